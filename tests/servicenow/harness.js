// Runs a ServiceNow business rule under node with the few platform objects it uses.
// RESTMessageV2.execute() makes a real HTTP request with curl (to a real asprules serve).
// Usage: node harness.js SCRIPT  (env: RECORD = the record's fields as JSON, ASPRULES_URL, ASPRULES_TOKEN)
'use strict';
const fs = require('fs');
const vm = require('vm');
const { execFileSync } = require('child_process');

const record = JSON.parse(process.env.RECORD);
const out = { set: {}, updated: false, errors: [], request: null };
const current = {
    getValue: (name) => (name in record ? String(record[name]) : null),
    setValue: (name, value) => { out.set[name] = value; },
    update: () => { out.updated = true; },
};
const gs = {
    getProperty: (name) => ({ 'asprules.url': process.env.ASPRULES_URL, 'asprules.token': process.env.ASPRULES_TOKEN })[name],
    addErrorMessage: (text) => { out.errors.push(text); },
};
class RESTMessageV2 {
    constructor() { this.headers = {}; this.method = 'get'; }
    setEndpoint(url) { this.url = url; }
    setHttpMethod(method) { this.method = method; }
    setRequestHeader(name, value) { this.headers[name] = value; }
    setHttpTimeout(ms) { this.timeout = ms; }
    setRequestBody(body) { this.body = body; }
    execute() {
        out.request = { url: this.url, method: this.method, body: JSON.parse(this.body) };
        const args = ['-s', '-X', this.method.toUpperCase(), this.url, '--data-binary', '@-', '-w', '\n%{http_code}',
                      '--max-time', String(this.timeout / 1000)];
        for (const [k, v] of Object.entries(this.headers)) args.push('-H', `${k}: ${v}`);
        const text = execFileSync('curl', args, { input: this.body }).toString();
        const cut = text.lastIndexOf('\n');
        return { getStatusCode: () => Number(text.slice(cut + 1)), getBody: () => text.slice(0, cut) };
    }
}
vm.runInNewContext(fs.readFileSync(process.argv[2], 'utf8'), { current, previous: null, gs, sn_ws: { RESTMessageV2 }, JSON, Number, String });
process.stdout.write(JSON.stringify(out));
