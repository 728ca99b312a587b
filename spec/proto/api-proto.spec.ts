/**
 * proto/api.proto must match the pinned upstream liftbridge-api v1.9.0
 * api.proto (from the Go module cache, present after the server build) field
 * by field, and the committed generated types must match proto/api.proto.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import protobuf from 'protobufjs';
import { staleFiles } from '../../scripts/gen-proto.js';
import { upstreamApiProto } from '../../scripts/testbed/install.js';
import { projectRoot } from '../../scripts/testbed/paths.js';

function load(path: string): protobuf.Root {
  const root = new protobuf.Root();
  root.loadSync(path, { keepCase: true });
  root.resolveAll();
  return root;
}

/** A canonical description of every type, field, enum value and RPC. */
function describeRoot(root: protobuf.Root): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (ns: protobuf.NamespaceBase) => {
    for (const obj of ns.nestedArray) {
      if (obj instanceof protobuf.Type) {
        out.set(`message ${obj.fullName}`, `${obj.fieldsArray.length} fields`);
        for (const f of obj.fieldsArray) {
          const keyType = f instanceof protobuf.MapField ? `map<${f.keyType}>` : '';
          const jstype = f.options?.['jstype'] ?? '';
          out.set(
            `field ${f.fullName}`,
            `${f.id} ${f.repeated ? 'repeated' : 'single'} ${keyType}${f.type} ${jstype}`,
          );
        }
        walk(obj);
      } else if (obj instanceof protobuf.Enum) {
        out.set(`enum ${obj.fullName}`, JSON.stringify(obj.values));
      } else if (obj instanceof protobuf.Service) {
        for (const m of obj.methodsArray) {
          out.set(
            `rpc ${m.fullName}`,
            `${m.requestStream ? 'stream ' : ''}${m.requestType} -> ${m.responseStream ? 'stream ' : ''}${m.responseType}`,
          );
        }
      } else if (obj instanceof protobuf.Namespace) {
        walk(obj);
      }
    }
  };
  walk(root);
  return out;
}

describe('api.proto', () => {
  it('api.proto - matches upstream liftbridge-api v1.9.0 field by field', () => {
    const ours = describeRoot(load(join(projectRoot, 'proto', 'api.proto')));
    const upstream = describeRoot(load(upstreamApiProto()));
    assert.ok(upstream.size > 100, `upstream description too small (${upstream.size})`);
    const missing = [...upstream.keys()].filter((k) => !ours.has(k));
    const extra = [...ours.keys()].filter((k) => !upstream.has(k));
    const differ = [...upstream.keys()].filter(
      (k) => ours.has(k) && ours.get(k) !== upstream.get(k),
    );
    assert.deepEqual({ missing, extra, differ }, { missing: [], extra: [], differ: [] });
  });

  it('api.proto - service API has its 16 RPCs', () => {
    const service = load(join(projectRoot, 'proto', 'api.proto')).lookupService('proto.API');
    assert.equal(service.methodsArray.length, 16);
  });

  it('api.proto - committed generated types are not stale', () => {
    assert.deepEqual(staleFiles(), []);
  });
});
