import { Observable, Subject } from 'rxjs';
import type { LogLine, LogOptions } from '../port.js';

/**
 * What simulated containers wrote to stdout/stderr. The simulator runs no processes, so only
 * what a test writes through `control.writeOutput` is there: no invented lines.
 */
export class SimulatedOutput {
  private readonly lines = new Map<string, LogLine[]>();
  private readonly written = new Subject<{ id: string; line: LogLine }>();

  write(id: string, line: LogLine): void {
    let lines = this.lines.get(id);
    if (!lines) this.lines.set(id, (lines = []));
    lines.push(line);
    this.written.next({ id, line });
  }

  /** Past lines; with `follow` on a running container, new ones until `ended` emits. */
  read(id: string, options: LogOptions, running: boolean, ended: Observable<unknown>): Observable<LogLine> {
    return new Observable<LogLine>((subscriber) => {
      const all = this.lines.get(id) ?? [];
      const past = options.tail === undefined ? all : all.slice(Math.max(0, all.length - options.tail));
      for (const line of past) subscriber.next(line);
      if (!options.follow || !running) {
        subscriber.complete();
        return undefined;
      }
      const more = this.written.subscribe(({ id: from, line }) => {
        if (from === id) subscriber.next(line);
      });
      const end = ended.subscribe(() => subscriber.complete());
      return () => {
        more.unsubscribe();
        end.unsubscribe();
      };
    });
  }
}
