/**
 * A QoS-wrapped link is still a Link: the shared compliance suite (test/links/link-compliance.ts)
 * on a memory link pair whose both ends are wrapped by QosLink and shaped to 1 MB/s.
 */
import { ManualClock } from '../../src/ports/clock.js';
import { MemoryMedium } from '../../src/links/memory/index.js';
import { QosLink } from '../../src/gateway/modules/qos-link.js';
import { classifyFrame } from '../../src/qos/classes.js';
import { linkComplianceSuite } from '../links/link-compliance.js';

const clock = new ManualClock();
const wrap = (l: ConstructorParameters<typeof QosLink>[0]) =>
  new QosLink(l, { clock, classify: (f) => classifyFrame(f, () => 'paired') }, { id: l.id, rateBytesPerSec: 1_000_000, burstBytes: 65_536, queueBytes: 16_777_216, flowMaxBytes: 16_777_216, flowMaxUnits: 65_536 });
linkComplianceSuite(
  'qos-wrapped memory link',
  async () => {
    const [a, b] = new MemoryMedium({ clock }).connect(undefined, undefined, { isGatewayLink: true });
    const qa = wrap(a);
    const qb = wrap(b);
    return { a: qa, b: qb, cleanup: async () => void (await Promise.all([qa.close(), qb.close()])) };
  },
  { flush: async () => clock.advance(2_000) },
);
