import { DEFAULT_MAX_UPLOAD_BYTES } from '../storage/write/upload-staging'
import { MAX_BODY_BYTES, MAX_BODY_DEPTH } from '../transports/http/body'

export const MAIN_HELP = `trackio - serve Trackio experiment data over HTTP, OpenAPI and MCP

Usage:
  trackio show [options]     Serve the data directory (TRACKIO_DIR)
  trackio demo DIR           Write a demo Trackio data directory into DIR
  trackio --version          Print the version
  trackio --help             Print this help ('trackio show --help' for the server's options)

Data directory: $TRACKIO_DIR if set, else $HF_HOME/trackio, else ~/.cache/huggingface/trackio.
The Python Trackio library can keep logging into the same directory while the server runs.
`

export const SHOW_HELP = `Usage: trackio show [options]

Serve every project of the data directory:
  POST /api/{tool}   the Trackio tools (JSON in, {"data": ...} out)
  GET  /swagger      API documentation (Swagger UI, works offline); /swagger/json is the OpenAPI document
  GET  /version      server version and MCP status
  /mcp/              MCP server (streamable HTTP: 2026-07-28 and 2025 sessions), when enabled

Options:
  --host H             Address to bind (env GRADIO_SERVER_NAME, default 127.0.0.1)
  --port P             Port to bind; only that port is tried (default: env GRADIO_SERVER_PORT or 7860,
                       then the next free port, up to 100 tries)
  --mcp-server         Enable the MCP server at /mcp/ (also env GRADIO_MCP_SERVER=True, exactly that value)
  --mcp-max-tokens N   Token budget of one MCP tool answer (env TRACKIO_MCP_MAX_TOKENS, default 20000);
                       longer lists and series are downsampled extrema-preserving, and the answer says so
  --max-upload-bytes N Largest POST /api/upload request (env TRACKIO_MAX_UPLOAD_BYTES, default ${DEFAULT_MAX_UPLOAD_BYTES}
                       = 2 GiB): media and artifact files, written to a staging folder as they arrive
  --project P          Preselect a project in the printed URLs
  --allowed-hosts A,B  Extra Host names the server answers to (env TRACKIO_ALLOWED_HOSTS); needed with
                       --host 0.0.0.0 or behind a proxy
  --cors-origin O      Send CORS headers for this origin (none by default)
  --log-requests       Print one line per request on stdout: method, path, status, time taken
                       (a write_token in the query shows as ***; headers are never printed)
  --no-warm-up         Do not read long runs (65,536 steps or more) into memory in the background after
                       start (env TRACKIO_WARM_UP=0); their first chart or summary then reads them
  -h, --help           Print this help

Limits:
  Request bodies over ${MAX_BODY_BYTES} bytes (${MAX_BODY_BYTES / 1024 / 1024} MiB) get 413 {"error": "Request body too large: ..."};
  JSON bodies may nest at most ${MAX_BODY_DEPTH} levels. POST /api/upload has its own limit (--max-upload-bytes);
  staged files wait at most 10 minutes for the call that claims them, twice that limit in total.

Environment:
  TRACKIO_DIR          Data directory
  TRACKIO_WRITE_TOKEN  Write token (default: a new random token each start, printed below the URL)
  TRACKIO_INBOX_POLL_INTERVAL  Seconds between imports of Trackio's JSONL inbox (default 15, minimum 5)
  SYSTEM=spaces        Hugging Face Space mode: binds 0.0.0.0, answers to SPACE_HOST and *.hf.space, and
                       logging needs an hf_token with write access to the Space (SPACE_AUTHOR_NAME /
                       SPACE_REPO_NAME, or SPACE_ID); the Space's own HF_TOKEN is accepted as is
  HF_ENDPOINT          The Hugging Face Hub that checks tokens in Space mode (default https://huggingface.co)

The write token gates every change (delete_run, rename_run, trigger_sync and logging; in Space mode
logging takes a Hugging Face token instead, see docs/spaces.md). Present it as
header X-Trackio-Write-Token, Authorization: Bearer, cookie trackio_write_token, query ?write_token=,
or the write_token argument.
`

export const DEMO_HELP = `Usage: trackio demo DIR

Write a realistic Trackio data directory into DIR (created if missing): a few projects and runs with
configs, several hundred steps of metrics, system metrics and alerts, in exactly the format the Python
library writes. Then serve it with:  TRACKIO_DIR=DIR trackio show
`
