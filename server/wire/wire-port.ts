import type { WirePortConfig } from '../../proto/control-types.ts';
import type { PortConfig } from '../store/index.ts';

/** A port as the wire carries it (`shoal.v1.PortConfig`): no name is ''. */
export function wirePort(p: PortConfig): WirePortConfig {
  return {
    name: p.name ?? '',
    protocol: p.protocol,
    targetPort: p.targetPort,
    publishedPort: p.publishedPort,
    publishMode: p.publishMode,
  };
}
