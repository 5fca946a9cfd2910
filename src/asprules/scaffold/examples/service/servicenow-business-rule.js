// ServiceNow business rule: grade an incident with asprules serve (docs/service.md).
//
// Table: incident. When: after, on insert and update. Condition: any of the impact
// fields below changes. Advanced: this script. Two system properties hold the service's
// address and a bearer token: asprules.url (e.g. https://asprules.example.internal) and
// asprules.token (of type password2). The u_ fields are the instance's own columns.
(function executeRule(current, previous) {
    function number(field) {
        var value = current.getValue(field);
        return value === null || value === '' ? null : Number(value);
    }
    function flag(field) {
        return current.getValue(field) === '1' || current.getValue(field) === 'true';
    }
    // One fact, as the ruleset's fact schema declares it (GET /v1/openapi.json lists the fields).
    var incident = {
        id: current.getValue('number'),
        environment: current.getValue('u_environment'),          // production | office
        started_at: current.getValue('u_impact_started_iso'),    // ISO 8601 with an offset
        outage_minutes: number('u_outage_minutes'),
        affected_users: number('u_affected_users'),
        affected_users_pct: number('u_affected_users_pct'),
        affected_sites: number('u_affected_sites'),
        core_service: flag('u_core_service'),
        data_loss: flag('u_data_loss'),
        security_breach: flag('u_security_breach'),
        vip_customer: flag('u_vip_customer'),
        customer_complaint: flag('u_customer_complaint')
    };
    var request = new sn_ws.RESTMessageV2();
    request.setEndpoint(gs.getProperty('asprules.url') + '/v1/grade');
    request.setHttpMethod('post');
    request.setRequestHeader('Content-Type', 'application/json');
    request.setRequestHeader('Authorization', 'Bearer ' + gs.getProperty('asprules.token'));
    request.setHttpTimeout(5000);
    request.setRequestBody(JSON.stringify(incident));
    var response = request.execute();
    var body = JSON.parse(response.getBody() || '{}');
    if (response.getStatusCode() !== 200) {
        // 422: the record lacks a field or holds a bad value; each problem names its field.
        var problems = (body.problems || []).map(function (p) { return p.field + ': ' + p.message; });
        gs.addErrorMessage('Major-fault grading refused: ' + (body.summary || response.getStatusCode()) + ' ' + problems.join('; '));
        return;
    }
    current.setValue('u_major_fault_level', body.level);        // L1, L2, L3 or none
    current.setValue('u_major_fault', body.major);
    current.setValue('u_grading_rules', body.ruleset.id + '@' + body.ruleset.sha256.substring(0, 12));
    current.setValue('u_grading_reason', body.fired.map(function (f) { return f.id + ' (' + f.cite + ')'; }).join(', '));
    current.update();
})(current, previous);
