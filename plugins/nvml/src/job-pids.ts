import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The pids of a job's process tree, found through procfs `task/<tid>/children` files (no
 * subprocess). Empty once the root is gone. Read at most once per process query (10 s).
 */
export function jobPids(root: number, procRoot = '/proc'): Set<number> {
  const found = new Set<number>();
  const queue = [root];
  while (queue.length > 0) {
    const pid = queue.pop() as number;
    if (found.has(pid)) continue;
    const taskDir = join(procRoot, String(pid), 'task');
    let tids: string[];
    try {
      tids = readdirSync(taskDir);
    } catch {
      continue; // gone (or never was)
    }
    found.add(pid);
    for (const tid of tids) {
      let text: string;
      try {
        text = readFileSync(join(taskDir, tid, 'children'), 'utf8');
      } catch {
        continue;
      }
      for (const field of text.trim().split(/\s+/)) {
        if (/^\d{1,10}$/.test(field)) queue.push(Number(field));
      }
    }
  }
  return found;
}
