"""Facts: the typed inputs rules decide on, and the catalog of fields a condition may name.

:mod:`.models` holds the frozen fact models (incidents, operations and their parts) and
the functions that read them from data or files with typed errors; :mod:`.fields` derives
from them the catalog the format's validator checks field references against.
"""

from .models import (
    Approval,
    Customer,
    Engineer,
    Incident,
    Notification,
    Operation,
    SensitivePeriod,
    incident_from_file,
    operation_from_file,
    parse_incident,
    parse_operation,
)

__all__ = [
    "Approval",
    "Customer",
    "Engineer",
    "Incident",
    "Notification",
    "Operation",
    "SensitivePeriod",
    "incident_from_file",
    "operation_from_file",
    "parse_incident",
    "parse_operation",
]
