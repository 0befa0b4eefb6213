// The other deployment targets of docs/deploy.md, checked offline here because this is the one
// Node project under deploy/: deploy/kubernetes (YAML parse, each object validated against the
// Kubernetes API schemas of kubernetes-models, and the wiring between them) and deploy/systemd
// (the unit's settings, and `systemd-analyze verify` where systemd is installed). No cluster and
// no kubectl: what a server would add (admission, defaulting) is not checked.
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';

import { parseAllDocuments } from 'yaml';

import { tempDir } from './support';

const DEPLOY = path.resolve(__dirname, '..', '..', '..'); // deploy/ (tests run from deploy/aws/dist/test)
const K8S = path.join(DEPLOY, 'kubernetes');
const SYSTEMD = path.join(DEPLOY, 'systemd');

type Obj = Record<string, any>;

function readYaml(file: string): Obj[] {
  const docs = parseAllDocuments(fs.readFileSync(file, 'utf8'));
  const list = Array.isArray(docs) ? docs : [docs];
  return list.map((d) => {
    assert.deepEqual([...d.errors, ...d.warnings].map((e) => e.message), [], file);
    return d.toJS() as Obj;
  });
}

const kustomization = readYaml(path.join(K8S, 'kustomization.yaml'))[0];
const objects: Obj[] = (kustomization.resources as string[]).flatMap((f) => readYaml(path.join(K8S, f)));
const secretExample = readYaml(path.join(K8S, 'secret.example.yaml'))[0];
const byKind = (kind: string) => {
  const found = objects.filter((o) => o.kind === kind);
  assert.equal(found.length, 1, kind);
  return found[0];
};

// The kubernetes-models class for each kind the manifests use (ESM-only, hence import()).
const MODELS: Record<string, string> = {
  'v1/Namespace': 'kubernetes-models/v1/Namespace',
  'v1/ConfigMap': 'kubernetes-models/v1/ConfigMap',
  'v1/Secret': 'kubernetes-models/v1/Secret',
  'v1/Service': 'kubernetes-models/v1/Service',
  'apps/v1/Deployment': 'kubernetes-models/apps/v1/Deployment',
  'policy/v1/PodDisruptionBudget': 'kubernetes-models/policy/v1/PodDisruptionBudget',
};

describe('deploy/kubernetes', () => {
  it('lists every manifest but the secret example in kustomization.yaml', () => {
    const files = fs.readdirSync(K8S).filter((f) => f.endsWith('.yaml') && f !== 'kustomization.yaml').sort();
    assert.deepEqual([...kustomization.resources, 'secret.example.yaml'].sort(), files);
    assert.equal(kustomization.namespace, 'askdb');
  });

  it('validates each object against the Kubernetes API schemas', async () => {
    for (const o of [...objects, secretExample]) {
      const module = MODELS[`${o.apiVersion}/${o.kind}`];
      assert.ok(module, `no schema for ${o.apiVersion} ${o.kind}`);
      const exported = (await import(module)) as Record<string, any>;
      const Model = exported[o.kind];
      const instance = new Model(o);
      assert.doesNotThrow(() => instance.validate(), `${o.kind} ${o.metadata?.name}`);
    }
  });

  it('notices a schema violation (the check above can fail)', async () => {
    const { Deployment } = (await import('kubernetes-models/apps/v1/Deployment')) as Record<string, any>;
    const broken = structuredClone(byKind('Deployment'));
    broken.spec.template.spec.containers[0].ports[0].containerPort = 'eighty';
    assert.throws(() => new Deployment(broken).validate());
  });

  const deployment = byKind('Deployment');
  const pod = deployment.spec.template.spec;
  const [askdb] = pod.containers;
  const config = byKind('ConfigMap').data as Record<string, string>;

  it('runs two replicas, rolling one at a time with none unavailable', () => {
    assert.ok(deployment.spec.replicas >= 2);
    assert.deepEqual(deployment.spec.strategy.rollingUpdate, { maxUnavailable: 0, maxSurge: 1 });
    assert.equal(kustomization.images[0].name, askdb.image);
  });

  it('probes readiness on /readyz and liveness on /healthz, on askdb\'s port', () => {
    const port = askdb.ports.find((p: Obj) => p.name === 'http');
    assert.equal(port.containerPort, Number(config.ASKDB_SERVER_PORT));
    assert.equal(askdb.readinessProbe.httpGet.path, '/readyz');
    assert.equal(askdb.livenessProbe.httpGet.path, '/healthz');
    assert.equal(askdb.startupProbe.httpGet.path, '/healthz');
    for (const probe of [askdb.readinessProbe, askdb.livenessProbe, askdb.startupProbe]) {
      assert.equal(probe.httpGet.port, 'http');
    }
  });

  it('gives askdb its shutdown grace before Kubernetes kills it', () => {
    const pause = Number(askdb.lifecycle.preStop.exec.command[1]);
    const grace = Number(config.ASKDB_SERVER_SHUTDOWN_GRACE_S);
    assert.ok(pod.terminationGracePeriodSeconds >= pause + grace + 5,
      `terminationGracePeriodSeconds ${pod.terminationGracePeriodSeconds} < ${pause} + ${grace} + 5`);
  });

  it('takes the passwords from the Secret, and keeps them out of the ConfigMap', () => {
    assert.deepEqual(askdb.envFrom, [{ configMapRef: { name: byKind('ConfigMap').metadata.name } }]);
    const fromSecret = askdb.env.filter((e: Obj) => e.valueFrom?.secretKeyRef);
    assert.deepEqual(fromSecret.map((e: Obj) => e.name).sort(), ['ASKDB_DATABASE_PASSWORD', 'ASKDB_STORE_PASSWORD']);
    for (const e of fromSecret) {
      assert.equal(e.valueFrom.secretKeyRef.name, secretExample.metadata.name);
      assert.ok(e.valueFrom.secretKeyRef.key in secretExample.stringData, e.valueFrom.secretKeyRef.key);
    }
    for (const [key, value] of Object.entries(config)) {
      assert.doesNotMatch(key, /PASSWORD|SECRET|API_KEY/);
      assert.doesNotMatch(value, /:\/\/[^@/]*:[^@/]*@/, `${key} carries a password`);
    }
    assert.ok(['local', 'proxy'].includes(config.ASKDB_SERVER_AUTH));
    assert.equal(config.ASKDB_SERVER_HOST, '0.0.0.0');
  });

  it('runs unprivileged on a read-only root, writing only to its volumes', () => {
    assert.equal(pod.securityContext.runAsNonRoot, true);
    assert.equal(askdb.securityContext.readOnlyRootFilesystem, true);
    assert.equal(askdb.securityContext.allowPrivilegeEscalation, false);
    const volumes = new Set(pod.volumes.map((v: Obj) => v.name));
    for (const m of askdb.volumeMounts) assert.ok(volumes.has(m.name), m.name);
    assert.ok(askdb.volumeMounts.some((m: Obj) => m.mountPath === config.ASKDB_HOME));
  });

  it('selects the pods from the Service and the PodDisruptionBudget, which keeps one', () => {
    const labels = deployment.spec.template.metadata.labels;
    assert.deepEqual(deployment.spec.selector.matchLabels, labels);
    const service = byKind('Service');
    assert.deepEqual(service.spec.selector, labels);
    assert.equal(service.spec.type, 'ClusterIP');
    assert.equal(service.spec.ports[0].targetPort, 'http');
    const pdb = byKind('PodDisruptionBudget');
    assert.deepEqual(pdb.spec.selector.matchLabels, labels);
    assert.ok(pdb.spec.minAvailable >= 1 && pdb.spec.minAvailable < deployment.spec.replicas);
  });
});

/** A unit file as { section: { key: [values] } }. */
function readUnit(file: string): Record<string, Record<string, string[]>> {
  const out: Record<string, Record<string, string[]>> = {};
  let section = '';
  for (const raw of fs.readFileSync(file, 'utf8').split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const header = /^\[(\w+)\]$/.exec(line);
    if (header) {
      section = header[1];
      out[section] = {};
      continue;
    }
    const eq = line.indexOf('=');
    assert.ok(section && eq > 0, `${file}: "${line}"`);
    (out[section][line.slice(0, eq)] ??= []).push(line.slice(eq + 1));
  }
  return out;
}

function readEnvFile(file: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of fs.readFileSync(file, 'utf8').split('\n')) {
    if (line.trim() === '' || line.trim().startsWith('#')) continue;
    const m = /^([A-Z][A-Z0-9_]*)=(.*)$/.exec(line);
    assert.ok(m, `askdb.env.example: "${line}"`);
    out[m[1]] = m[2];
  }
  return out;
}

describe('deploy/systemd', () => {
  const unit = readUnit(path.join(SYSTEMD, 'askdb.service'));
  const env = readEnvFile(path.join(SYSTEMD, 'askdb.env.example'));

  it('runs `askdb serve` as its own user, with the env file and a stop timeout past askdb\'s grace', () => {
    const s = unit.Service;
    assert.deepEqual(s.ExecStart, ['/usr/local/bin/askdb serve']);
    assert.deepEqual(s.User, ['askdb']);
    assert.deepEqual(s.EnvironmentFile, ['/etc/askdb/askdb.env']);
    assert.deepEqual(s.KillSignal, ['SIGTERM']);
    assert.ok(Number(s.TimeoutStopSec[0]) > Number(env.ASKDB_SERVER_SHUTDOWN_GRACE_S));
    assert.deepEqual(unit.Install.WantedBy, ['multi-user.target']);
  });

  it('has an env file example that names the login mode and keeps passwords out of the URLs', () => {
    assert.equal(env.ASKDB_SERVER_HOST, '127.0.0.1');
    assert.equal(env.ASKDB_SERVER_AUTH, 'local');
    for (const key of ['ASKDB_DATABASE_URL', 'ASKDB_STORE_URL']) {
      assert.doesNotMatch(env[key], /:\/\/[^@/]*:[^@/]*@/, key);
    }
    assert.ok('ASKDB_DATABASE_PASSWORD' in env && 'ASKDB_STORE_PASSWORD' in env);
  });

  it('passes `systemd-analyze verify` (with a stand-in for the binary)', (t) => {
    let analyze = '';
    try {
      analyze = execFileSync('sh', ['-c', 'command -v systemd-analyze'], { encoding: 'utf8' }).trim();
    } catch {
      t.skip('systemd-analyze is not installed');
      return;
    }
    const dir = tempDir('unit');
    const text = fs.readFileSync(path.join(SYSTEMD, 'askdb.service'), 'utf8')
      .replace('ExecStart=/usr/local/bin/askdb serve', 'ExecStart=/bin/true serve');
    fs.writeFileSync(path.join(dir, 'askdb.service'), text);
    // It exits 0 on most problems, naming them on stderr: any output is a failure.
    const output = execFileSync('sh', ['-c', '"$0" verify "$1" 2>&1', analyze, path.join(dir, 'askdb.service')], {
      encoding: 'utf8',
    });
    assert.equal(output.trim(), '');
  });
});
