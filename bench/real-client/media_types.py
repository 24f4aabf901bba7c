#!/usr/bin/env python3
"""Trackio's real Python client logs every media type to a server (server_url mode); each stored file is
fetched back through /file (with and without Range) and compared byte for byte with the client's copy.

    TRACKIO_MIRROR=<git dir of gradio-app/trackio> UPSTREAM=<dir of trackio_env.py> python3 media_types.py URL

Video is logged from a file (encoding arrays needs ffmpeg on the client). Prints JSON.
"""
import json, os, sys, tempfile
sys.path.insert(0, os.environ.get('UPSTREAM', '/work/shared/upstream'))
import trackio_env
client_dir = tempfile.mkdtemp(prefix='trackio-client-mediatypes-')
trackio_env.setup(client_dir)
import numpy as np, httpx, trackio
url = sys.argv[1]
base = url.split('/?')[0]
errors = {}
trackio.init(project='mediatypes', name='r1', server_url=url, auto_log_cpu=False)
rs = np.random.RandomState(0)
clip = os.path.join(client_dir, 'clip.mp4')
with open(clip, 'wb') as f:
    f.write(rs.bytes(5000))
items = {
    'image': lambda: trackio.Image(rs.randint(0, 255, (8, 8, 3), dtype=np.uint8)),
    'audio': lambda: trackio.Audio(np.sin(np.linspace(0, 440 * 2 * np.pi, 8000)).astype(np.float32), sample_rate=8000),
    'video': lambda: trackio.Video(clip),
    'html': lambda: trackio.Html('<b>hello</b>'),
    'object3d': lambda: trackio.Object3D(rs.rand(10, 3).astype(np.float32)),
    'table': lambda: trackio.Table(columns=['a', 'img'], data=[[1, trackio.Image(rs.randint(0, 255, (8, 8, 3), dtype=np.uint8))]]),
}
for k, make in items.items():
    try:
        trackio.log({k: make()})
    except Exception as e:
        errors[k] = f'{type(e).__name__}: {e}'[:200]
trackio.finish()
logs = httpx.post(f'{base}/api/get_logs', json={'kwargs': {'project': 'mediatypes', 'run': 'r1'}}).json()['data']
def file_paths(v):
    if isinstance(v, dict):
        if 'file_path' in v: yield v['file_path']
        for x in v.values(): yield from file_paths(x)
    elif isinstance(v, list):
        for x in v: yield from file_paths(x)
out = []
for row in logs:
    for k, v in row.items():
        for p in file_paths(v):
            r = httpx.get(f'{base}/file', params={'path': p})
            local = os.path.join(client_dir, 'media', p)
            same = os.path.exists(local) and open(local, 'rb').read() == r.content
            rng = httpx.get(f'{base}/file', params={'path': p}, headers={'range': 'bytes=0-9'})
            out.append({'key': k, 'path': p, 'status': r.status_code, 'type': r.headers.get('content-type'), 'bytes_equal': same, 'range_status': rng.status_code})
print(json.dumps({'errors': errors, 'files': out}, indent=1))
