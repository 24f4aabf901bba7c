import json, sys, tempfile
from pathlib import Path
sys.path.insert(0, '/work/shared/upstream')
import trackio_env
base = sys.argv[1]
trackio_env.setup(tempfile.mkdtemp())
import trackio, httpx
url = base + '/?write_token=T'
src = Path(tempfile.mkdtemp())
(src / 'data').mkdir(); (src / 'data' / 'train.csv').write_text('a,b\n1,2\n'); (src / 'data' / 'sub').mkdir(); (src / 'data' / 'sub' / 't.csv').write_text('x\n')
(src / 'ref.txt').write_text('external')
(src / 'model.bin').write_bytes(b'\x00\x01weights' * 100000)
P = 'rich'
trackio.init(project=P, name='prep', server_url=url, auto_log_cpu=False); trackio.log({'x': 1})
ds = trackio.Artifact('dataset-a', type='dataset', description='first data', metadata={'rows': 2, 'ratio': 0.5, 'big': 2**60, 'nested': {'k': [1, 2.5]}})
ds.add_dir(src / 'data'); ds.add_reference((src / 'ref.txt').as_uri(), name='raw/ref.txt')
trackio.log_artifact(ds, aliases=['golden']); trackio.finish()
trackio.init(project=P, name='train', server_url=url, auto_log_cpu=False); trackio.log({'loss': 0.25})
trackio.use_artifact('dataset-a:golden')
trackio.log_artifact(str(src / 'model.bin'), name='model', type='model', aliases=['best'])
(src / 'model.bin').write_bytes(b'\x00\x02weights' * 100000)
trackio.log_artifact(str(src / 'model.bin'), name='model', type='model')
trackio.log_artifact(str(src / 'model.bin'), name='model', type='model')  # identical: same version
trackio.finish()
trackio.init(project=P, name='eval', server_url=url, auto_log_cpu=False); trackio.log({'acc': 0.9})
a = trackio.use_artifact('model:best'); b = trackio.use_artifact('model'); d = trackio.use_artifact('dataset-a')
dl = Path(d.download(tempfile.mkdtemp())); ml = Path(b.download(tempfile.mkdtemp()))
trackio.finish()
def api(tool, **kw): return httpx.post(f'{base}/api/{tool}', json={'kwargs': kw}).json()['data']
out = {t: api(t, project=P) for t in ('list_artifacts', 'get_artifacts', 'get_run_artifact_counts')}
for n, s in (('dataset-a', None), ('model', 'v0'), ('model', 'best'), ('model', None)): out[f'manifest {n} {s}'] = api('get_artifact_manifest', project=P, name=n, spec=s)
for v in (1, 2, 3): out[f'lineage {v}'] = api('get_artifact_lineage', project=P, version_id=v); out[f'consumers {v}'] = api('get_artifact_consumers', project=P, version_id=v)
for r in ('prep', 'train', 'eval'): out[f'run {r}'] = api('get_run_artifacts', project=P, run=r)
out['downloaded'] = sorted(str(p.relative_to(dl)) for p in dl.rglob('*') if p.is_file()) + [str(ml / 'model.bin'), (ml / 'model.bin').stat().st_size]
import re
text = json.dumps(out, sort_keys=True)
text = re.sub(r'\d{4}-\d\d-\d\dT[0-9:.]+\+00:00', 'T', text); text = re.sub(r'[0-9a-f]{32}', 'RUNID', text); text = re.sub(r'/tmp/[^"]*', 'TMP', text)
print(text)
