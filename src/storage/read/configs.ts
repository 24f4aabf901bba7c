import type { JsonObject } from '../../json/values'
import type { ProjectDb } from '../db/connection'
import { decodeObject, text } from '../db/decode'

/**
 * Every stored config by run id (by run name in a legacy configs table), top-level non-finite
 * strings decoded (Trackio's `get_all_run_configs`). A Map keeps the table's row order.
 */
export function allRunConfigs(p: ProjectDb): Map<string, JsonObject> {
  const out = new Map<string, JsonObject>()
  if (!p.hasTable('configs')) return out
  const column = p.hasRunIds('configs') ? 'run_id' : 'run_name'
  for (const [key, config] of p.db.query(`SELECT ${column}, config FROM configs`).values()) out.set(text(key) ?? 'None', decodeObject(config))
  return out
}
