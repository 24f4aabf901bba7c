/**
 * Child process for rename-journal.test.ts: renames a run and, when asked, kills itself with
 * SIGKILL at one named crash point (a real kill -9: no finally blocks, no undo). With `list`
 * it prints every crash point it passes and finishes normally.
 * Usage: bun rename-crash-child.ts <dataDir> <project> <old> <new> <point|list>
 */
import { Storage } from '../../../src/storage/db/connection'
import { renameCrashPoints, renameRun } from '../../../src/storage/write/rename-run'

const [dir, project, oldName, newName, point] = process.argv.slice(2) as [string, string, string, string, string]
renameCrashPoints.hit = (p) => {
  if (point === 'list') console.log(p)
  else if (p === point) process.kill(process.pid, 'SIGKILL')
}
await renameRun(new Storage(dir), project, oldName, newName, null)
console.log('done')
