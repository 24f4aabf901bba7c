#!/usr/bin/env python3
"""Trackio's real Python client logging STEPS rows over SECONDS (a NaN loss every 1000 steps, an image every
4000, a config holding inf), for outage.sh, which stops the server meanwhile.

    STARTED_FILE=<path> python3 outage_client.py URL STEPS SECONDS
"""
import json, os, sys, tempfile, time, warnings
sys.path.insert(0, os.environ.get('UPSTREAM', '/work/shared/upstream'))
import trackio_env
client_dir = tempfile.mkdtemp(prefix='trackio-client-outage-')
trackio_env.setup(client_dir)
import numpy as np
import trackio
url, steps, seconds = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
caught = []
warnings.showwarning = lambda m, c, *a, **k: caught.append(f"{c.__name__}: {m}"[:200])
trackio.init(project='outage', name='r1', server_url=url, auto_log_cpu=False, config={'lr': 1e-3, 'max_grad_norm': float('inf')})
img = np.random.RandomState(0).randint(0, 255, (16, 16, 3), dtype=np.uint8)
open(os.environ['STARTED_FILE'], 'w').write('1')
t0 = time.time()
images = 0
for i in range(steps):
    m = {'loss': float('nan') if i % 1000 == 500 else 1.0 / (i + 1), 'i': i}
    if i % 4000 == 0:
        m['img'] = trackio.Image(img, caption=f'step {i}')
        images += 1
    trackio.log(m)
    target = t0 + seconds * (i + 1) / steps
    d = target - time.time()
    if d > 0:
        time.sleep(d)
t_log = time.time() - t0
trackio.finish()
print(json.dumps({'logged': steps, 'images': images, 'log_s': round(t_log, 1), 'total_s': round(time.time() - t0, 1), 'warnings': caught[:5], 'n_warnings': len(caught)}))
