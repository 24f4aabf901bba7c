import json, os, sys, tempfile, io, contextlib
sys.path.insert(0, '/work/shared/upstream')
import trackio_env
base = sys.argv[1]; data_dir = sys.argv[2]
client_dir = tempfile.mkdtemp()
trackio_env.setup(client_dir)
import trackio, httpx
out = {}
# 1. remote: use_artifact + download through GET /artifact_blob
trackio.init(project='artifact', name='reader', server_url=base + '/?write_token=T', auto_log_cpu=False)
art = trackio.use_artifact('my-model:latest')
d = art.download(tempfile.mkdtemp())
files = {str(p.relative_to(d)): p.stat().st_size for p in __import__('pathlib').Path(d).rglob('*') if p.is_file()}
out['download'] = files
out['download_bytes_ok'] = (__import__('pathlib').Path(d) / 'model.bin').read_bytes() == b'weights' * 1000
trackio.finish()
# 2. CLI over --space URL
from trackio import cli
def run_cli(*args):
    buf, err = io.StringIO(), io.StringIO()
    sys.argv = ['trackio', *args]
    code = 0
    with contextlib.redirect_stdout(buf), contextlib.redirect_stderr(err):
        try: cli.main()
        except SystemExit as e: code = e.code
        except Exception as e: code = f"{type(e).__name__}: {e}"[:200]
    return code, buf.getvalue(), err.getvalue()
for args in (['list', 'artifacts', '--project', 'artifact', '--json'],
             ['get', 'artifact', '--project', 'artifact', '--name', 'my-model', '--json'],
             ['get', 'artifact', '--project', 'artifact', '--name', 'my-model', '--version', 'v0', '--json'],
             ['query', 'project', '--project', 'artifact', '--sql', 'SELECT run_name, step FROM metrics', '--json'],
             ['query', 'project', '--project', 'artifact', '--sql', 'DELETE FROM metrics'],
             ['query', 'project', '--project', 'artifact', '--sql', 'SELECT name, type FROM artifacts']):
    code, o, e = run_cli(*args, '--space', base)
    out[' '.join(args)] = {'exit': code, 'stdout': o[:600], 'stderr': e[:300]}
print(json.dumps(out, indent=1))
