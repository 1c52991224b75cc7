import type { SystemdUnits } from '../../src/companions/systemd/systemd-units.js';

/**
 * A stand-in for `systemctl --user` that keeps units' state as systemd does: the files on
 * disk, the definitions systemd loaded at its last daemon-reload, which units are enabled
 * and active. Stricter than systemd where that catches a bug: starting a unit whose file
 * changed since the last reload fails (systemd would start the stale definition and warn).
 * Every call is logged in order.
 */
export class FakeSystemd implements SystemdUnits {
  readonly files = new Map<string, string>();
  readonly loaded = new Map<string, string>();
  readonly enabled = new Set<string>();
  readonly active = new Set<string>();
  readonly calls: string[] = [];
  /** The next call of this method fails once. */
  failNext: keyof SystemdUnits | undefined;

  private fail(method: keyof SystemdUnits): void {
    if (this.failNext === method) {
      this.failNext = undefined;
      throw new Error(`${method} failed (injected)`);
    }
  }

  private fileOf(unit: string): string | undefined {
    const base = unit.replace(/\.service$/, '');
    return [...this.loaded.keys()].find((name) => name === `${base}.service` || name === `${base}.container`);
  }

  private requireLoaded(unit: string): void {
    const file = this.fileOf(unit);
    if (!file) throw new Error(`Unit ${unit} not found.`);
    if (this.files.get(file) !== this.loaded.get(file))
      throw new Error(`Unit file of ${unit} changed on disk; run daemon-reload.`);
  }

  async writeUnit(fileName: string, text: string): Promise<boolean> {
    this.fail('writeUnit');
    const changed = this.files.get(fileName) !== text;
    this.calls.push(`write ${fileName}${changed ? '' : ' (unchanged)'}`);
    if (changed) this.files.set(fileName, text);
    return changed;
  }

  async removeUnit(fileName: string): Promise<boolean> {
    this.fail('removeUnit');
    this.calls.push(`remove ${fileName}`);
    return this.files.delete(fileName);
  }

  async daemonReload(): Promise<void> {
    this.fail('daemonReload');
    this.calls.push('daemon-reload');
    this.loaded.clear();
    for (const [name, text] of this.files) this.loaded.set(name, text);
    // A unit whose file is gone is unloaded: it cannot be active any more.
    for (const unit of [...this.active]) if (!this.fileOf(unit)) this.active.delete(unit);
  }

  async enableNow(unit: string): Promise<void> {
    this.fail('enableNow');
    this.calls.push(`enable --now ${unit}`);
    this.requireLoaded(unit);
    this.enabled.add(unit);
    this.active.add(unit);
  }

  async restart(unit: string): Promise<void> {
    this.fail('restart');
    this.calls.push(`restart ${unit}`);
    this.requireLoaded(unit);
    this.enabled.add(unit);
    this.active.add(unit);
  }

  async isActive(unit: string): Promise<boolean> {
    this.fail('isActive');
    this.calls.push(`is-active ${unit}`);
    return this.active.has(unit);
  }

  async disableNow(unit: string): Promise<void> {
    this.fail('disableNow');
    this.calls.push(`disable --now ${unit}`);
    this.enabled.delete(unit);
    this.active.delete(unit);
  }

  /** Behind podwarden's back: the unit stops (a `systemctl --user stop`, or it gave up restarting). */
  stopBehindBack(unit: string): void {
    this.active.delete(unit);
  }

  /** Behind podwarden's back: someone deletes the unit file. */
  deleteFileBehindBack(fileName: string): void {
    this.files.delete(fileName);
  }
}
