/**
 * The Control API's config calls (`docker config create/ls/rm`): validate at the boundary, one store
 * transaction, shape the reply. Merged into the Control handler map by control-server.ts.
 */
import { resolveRef } from '../../lib/resolve-ref.ts';
import type { CreateConfigRequest__Output as CreateConfigRequest } from '../../proto/gen/shoal/v1/CreateConfigRequest.ts';
import type { ControlHandlers } from '../../proto/gen/shoal/v1/Control.ts';
import type { Logger } from 'pino';
import { randomNodeId } from '../../certs/index.ts';
import { labelsProblem } from '../allocator/index.ts';
import type { RaftNode } from '../raftnode/raft-node.ts';
import { unary } from '../rpc/status.ts';
import { ConflictError, InvalidArgumentError, NotFoundError } from '../../lib/errors.ts';
import {
  createConfig,
  deleteConfig,
  findConfigs,
  getConfig,
  NameConflictError,
  type Config,
  type MemoryStore,
} from '../store/index.ts';

/** docker's MaxConfigSize: configs are meant for small files, and each one is a single Raft entry. */
export const MAX_CONFIG_SIZE = 500 * 1024;

/** The name rule docker applies to object names; at most 64 characters, as swarmkit allows. */
const NAME_RE = /^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/;
const MAX_NAME_LENGTH = 64;

/** A config on the wire: everything but its data, which `ls` has no use for. */
export interface WireConfig {
  id: string;
  version: number;
  name: string;
  labels: Record<string, string>;
  createdAt: number;
  updatedAt: number;
}

function wireConfig(c: Config): WireConfig {
  return {
    id: c.id,
    version: c.meta.version.index,
    name: c.spec.name,
    labels: c.spec.labels,
    createdAt: c.meta.createdAt,
    updatedAt: c.meta.updatedAt,
  };
}

/** Throws INVALID_ARGUMENT unless `req` is a config docker would accept. */
function validateCreate(req: CreateConfigRequest): void {
  if (typeof req.name !== 'string' || req.name.length > MAX_NAME_LENGTH || !NAME_RE.test(req.name)) {
    throw new InvalidArgumentError('invalid name, only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed');
  }
  // swarmkit refuses empty configs too: a file with nothing in it is almost always a mistake.
  if (req.data.length === 0) throw new InvalidArgumentError('config data must not be empty');
  if (req.data.length > MAX_CONFIG_SIZE) {
    throw new InvalidArgumentError('config data too long');
  }
  if ('' in req.labels) throw new InvalidArgumentError('a label key cannot be empty');
  const problem = labelsProblem('config', req.labels);
  if (problem !== undefined) throw new InvalidArgumentError(problem);
}

/** Finds one config by ID, unique ID prefix or name, as `docker config rm` accepts. */
export function resolveConfig(store: MemoryStore, ref: string): Config {
  return store.view(tx =>
    resolveRef('config', ref, {
      byId: id => getConfig(tx, id),
      byName: name => findConfigs(tx, { name })[0],
      byPrefix: idPrefix => findConfigs(tx, { idPrefix }),
    }),
  );
}

/** The config methods of the Control service, keyed by method name. */
export function configHandlers(
  store: MemoryStore,
  raft: RaftNode,
  log: Logger,
): Pick<ControlHandlers, 'CreateConfig' | 'ListConfigs' | 'RemoveConfig'> {
  return {
    CreateConfig: unary(log, async (req: CreateConfigRequest) => {
      validateCreate(req);
      // swarmkit gives every kind of object the same kind of ID as nodes (identity.NewID).
      const id = randomNodeId();
      try {
        await store.update(
          tx =>
            void createConfig(tx, {
              id,
              spec: { name: req.name, data: req.data.toString('base64'), labels: { ...req.labels } },
            }),
          Date.now(),
        );
      } catch (err) {
        // Checked again when the entry is applied, so two racing creates of one name cannot both win.
        if (err instanceof NameConflictError) {
          throw new ConflictError(`config ${req.name} already exists`);
        }
        throw err;
      }
      const created = store.view(tx => getConfig(tx, id));
      if (created === undefined) throw new NotFoundError(`config ${req.name} not found`);
      return { config: wireConfig(created) };
    }),
    ListConfigs: unary(log, async () => {
      // A linearizable read, as ListNodes: every acknowledged create is listed, whichever manager answers.
      await raft.readBarrier();
      return { configs: store.view(tx => findConfigs(tx)).map(wireConfig) };
    }),
    RemoveConfig: unary(log, async (req: { configId: string }) => {
      const config = resolveConfig(store, req.configId);
      await store.update(tx => deleteConfig(tx, config.id), Date.now());
      return {};
    }),
  };
}
