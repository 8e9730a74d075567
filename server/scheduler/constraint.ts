/**
 * Placement constraints (`node.role==manager`, `node.labels.zone != b`): the one parser, and matching a
 * node against them (swarmkit `manager/constraint`).
 *
 * The grammar is the boundary check's (`constraintProblem` in server/allocator/validation.ts): a key of
 * letters, digits, `_`, `.` and `-`, then `==` or `!=`, then a non-empty value; whitespace around each
 * part is tolerated, as docker does. Keys are case-insensitive, except the label name after
 * `node.labels.`/`engine.labels.`; values compare case-insensitively (swarmkit's `strings.EqualFold`).
 * A node without the attribute (a missing label, the platform and engine labels Shoal does not report) has
 * no value: `==` never matches it and `!=` always does.
 */
import { cidrContains, cidrOf, parseAddressWithPrefix, parseIpv4 } from '../../lib/ipv4.ts';
import type { Node } from '../store/index.ts';
import { quoted } from '../limits/limits.ts';

/** What a constraint compares: a node attribute, or one label (named in `Constraint.label`). */
export type ConstraintField =
  | 'node.id'
  | 'node.hostname'
  | 'node.ip'
  | 'node.role'
  | 'node.platform.os'
  | 'node.platform.arch'
  | 'node.labels'
  | 'engine.labels';

/** Keys naming one attribute; the label families take any name after their prefix. */
const ATTRIBUTE_FIELDS: readonly ConstraintField[] = [
  'node.id',
  'node.hostname',
  'node.ip',
  'node.role',
  'node.platform.os',
  'node.platform.arch',
];
const LABEL_FIELDS = ['node.labels', 'engine.labels'] as const;

/** One parsed constraint. */
export interface Constraint {
  /** The constraint as written. */
  readonly text: string;
  readonly field: ConstraintField;
  /** The label name (case kept: labels are case-sensitive) for the label fields; '' otherwise. */
  readonly label: string;
  readonly operator: '==' | '!=';
  /** The value, trimmed; never empty. */
  readonly value: string;
}

/** The node attributes constraints look at (a stored `Node` has them all). */
export type ConstraintNode = Pick<Node, 'id' | 'role' | 'spec' | 'status' | 'description'>;

/** The grammar, shared with the boundary check: key, operator, value, whitespace around each. */
const CONSTRAINT_PATTERN = /^\s*([A-Za-z0-9_.-]+)\s*(==|!=)\s*(\S.*?)\s*$/;

/**
 * Parses one constraint, or says what is wrong with it (the boundary's InvalidArgument text, word for
 * word the same as `constraintProblem`'s).
 */
export function parseConstraint(text: string): Constraint | { problem: string } {
  const match = CONSTRAINT_PATTERN.exec(text);
  if (match === null) {
    return { problem: `invalid constraint ${quoted(text)}: expected <key>==<value> or <key>!=<value>` };
  }
  const key = match[1] ?? '';
  const operator = match[2] === '!=' ? '!=' : '==';
  const value = match[3] ?? '';
  const lower = key.toLowerCase();
  const attribute = ATTRIBUTE_FIELDS.find(field => field === lower);
  if (attribute !== undefined) return { text, field: attribute, label: '', operator, value };
  for (const field of LABEL_FIELDS) {
    const prefix = `${field}.`;
    if (lower.startsWith(prefix) && lower.length > prefix.length) {
      return { text, field, label: key.slice(prefix.length), operator, value };
    }
  }
  return {
    problem: `invalid constraint ${quoted(text)}: unknown key ${quoted(key)} (one of ${ATTRIBUTE_FIELDS.join(', ')}, node.labels.<name>, engine.labels.<name>)`,
  };
}

/** Parses every constraint of a task spec, or gives the first one's problem. */
export function parseConstraints(texts: readonly string[]): Constraint[] | { problem: string } {
  const parsed: Constraint[] = [];
  for (const text of texts) {
    const constraint = parseConstraint(text);
    if ('problem' in constraint) return constraint;
    parsed.push(constraint);
  }
  return parsed;
}

/** The node's value for `field`/`label`, or undefined if it has none. */
function nodeValue(node: ConstraintNode, constraint: Constraint): string | undefined {
  switch (constraint.field) {
    case 'node.id':
      return node.id;
    case 'node.hostname':
      return node.description.hostname;
    case 'node.role':
      return node.role;
    case 'node.labels': {
      const labels = node.spec.labels;
      // Own properties only: a label named `constructor` or `__proto__` is not Object.prototype's.
      return Object.hasOwn(labels, constraint.label) ? labels[constraint.label] : undefined;
    }
    case 'node.ip':
    case 'node.platform.os':
    case 'node.platform.arch':
    case 'engine.labels':
      // Not reported by Shoal's nodes (node.ip is matched apart).
      return undefined;
  }
}

/**
 * `node.ip` (swarmkit): the value is an IPv4 address, equal to the node's `status.addr`, or a CIDR block
 * holding it. A value that is neither matches no node with either operator.
 */
function ipMatches(node: ConstraintNode, constraint: Constraint): boolean {
  const nodeIp = parseIpv4(node.status.addr);
  const address = parseIpv4(constraint.value);
  let inside: boolean;
  if (address !== undefined) {
    inside = nodeIp === address;
  } else {
    const block = parseAddressWithPrefix(constraint.value);
    if (block === undefined) return false;
    inside = nodeIp !== undefined && cidrContains(cidrOf(block.address, block.prefix), nodeIp);
  }
  return constraint.operator === '==' ? inside : !inside;
}

/** True if `node` satisfies `constraint`. */
export function constraintMatches(node: ConstraintNode, constraint: Constraint): boolean {
  if (constraint.field === 'node.ip') return ipMatches(node, constraint);
  const actual = nodeValue(node, constraint);
  const equal = actual !== undefined && actual.toLowerCase() === constraint.value.toLowerCase();
  return constraint.operator === '==' ? equal : !equal;
}

/** True if `node` satisfies every constraint (all must hold, as in swarmkit). */
export function nodeMatchesConstraints(node: ConstraintNode, constraints: readonly Constraint[]): boolean {
  return constraints.every(constraint => constraintMatches(node, constraint));
}
