/** Undo steps of a call in progress, run backwards if it fails, so a refused call changes nothing. */
export class Journal {
  private readonly steps: (() => void)[] = [];
  push(step: () => void): void {
    this.steps.push(step);
  }
  rollback(): void {
    for (const step of this.steps.reverse()) step();
  }
}
