#!/usr/bin/env node
// Placeholder for `npm start` until the manager daemon exists.
console.log(
  [
    'shoal: the manager daemon `shoald` is not here yet; it arrives with issue 4.',
    'Meanwhile, run the deterministic Raft simulator:',
    '',
    '  npm run sim -- --seeds 20',
  ].join('\n'),
);
