import json, shutil, sys, tempfile
from pathlib import Path
sys.path.insert(0, '/work/shared/upstream')
import trackio_env
base, ours = sys.argv[1], Path(sys.argv[2])
copy = Path(tempfile.mkdtemp()) / 'd'
shutil.copytree(ours, copy)
trackio_env.setup(copy)
import httpx, trackio
from trackio import server
def api(tool, **kw):
    r = httpx.post(f"{base}/api/{tool}", json={'kwargs': kw}).json()
    if 'data' not in r: print(tool, kw, r)
    return r.get('data')
P = 'artifact'
runs = server.get_runs_for_project(P)
calls = [('list_artifacts', dict(project=P)), ('get_artifacts', dict(project=P)), ('get_run_artifact_counts', dict(project=P)),
         ('get_artifact_manifest', dict(project=P, name='my-model', spec=None)), ('get_artifact_consumers', dict(project=P, version_id=1)),
         ('get_artifact_lineage', dict(project=P, version_id=1)), ('get_runs_for_project', dict(project=P))]
calls += [('get_run_artifacts', dict(project=P, run=r['name'])) for r in runs]
result = {}
for name, kw in calls:
    mine, theirs = api(name, **kw), getattr(server, name)(**kw)
    result[f'{name} {kw}'] = 'same' if json.loads(json.dumps(mine)) == json.loads(json.dumps(theirs)) else {'ours': mine, 'trackio': theirs}
trackio.init(project=P, name='local-reader', auto_log_cpu=False)
a = trackio.use_artifact('my-model')
d = Path(a.download(tempfile.mkdtemp()))
result['local use_artifact + download'] = (d / 'model.bin').read_bytes() == b'weights' * 1000
trackio.finish()
print(json.dumps(result, indent=1))
