import { clusterTable } from './clusters.ts';
import { configTable } from './configs.ts';
import { networkTable } from './networks.ts';
import { nodeTable } from './nodes.ts';
import { serviceTable } from './services.ts';
import type { Table } from './table.ts';
import { taskTable } from './tasks.ts';

/**
 * Every table the store holds, registered here and nowhere else (no import side effects). A new kind is
 * one file defining its table and helpers, plus one line here. Order is the order of tables in snapshots.
 * Tables are never removed or renamed while their name can be in a log or snapshot.
 */
export const STORE_TABLES: readonly Table[] = Object.freeze([
  nodeTable,
  clusterTable,
  configTable,
  networkTable,
  serviceTable,
  taskTable,
]);
