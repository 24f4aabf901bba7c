import { syncTool } from './trigger-sync'

/** Trackio's HTTP name for trigger_sync (not offered over MCP). */
export default syncTool('force_sync', true)
