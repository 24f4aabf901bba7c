/**
 * Preloaded by bunfig.toml. `bun test` fires no process 'exit' event, so the temporary directories the tests make
 * are removed by a global afterAll: after the whole run in one process, after each file in a --parallel worker.
 */
import { afterAll } from 'bun:test'
import { removeTempDirs } from './helpers'

afterAll(removeTempDirs)
