"A store append killed with SIGKILL in the middle of a batch leaves every earlier batch and no partial row."
import os, signal, subprocess, sys, textwrap, time
from pathlib import Path
import numpy as np
from mousterian.store import SynStore

CHILD = textwrap.dedent('''
    import sys, time, torch
    from pathlib import Path
    from mousterian.store import SynStore
    path, marks, bs = Path(sys.argv[1]), Path(sys.argv[2]), 16

    class SlowBatch:
        "A lazy batch of images that marks the moment it is half written, then slows down."
        def __init__(self, b): self.b, self.x = b, torch.randint(0, 256, (bs, 1, 28, 28), dtype=torch.uint8, generator=torch.Generator().manual_seed(b))
        def __len__(self): return bs
        def __iter__(self):
            for i in range(bs):
                if i == bs // 2: (marks / f'mid-{self.b}').touch(); time.sleep(0.2)
                yield self.x[i]

    st = SynStore.create(path, [str(c) for c in range(10)], 1, 28)
    for b in range(100):
        st.append(SlowBatch(b), [i % 10 for i in range(bs)], rows={'batch': b, 'seed': list(range(b * bs, (b + 1) * bs))})
''')

def test_sigkill_mid_batch(tmp_path):
    marks = tmp_path / 'marks'; marks.mkdir()
    p = subprocess.Popen([sys.executable, '-c', CHILD, str(tmp_path / 'st'), str(marks)])
    try:
        t0 = time.time()
        while not (marks / 'mid-3').exists():  # batches 0, 1, 2 are complete, batch 3 is half written
            assert p.poll() is None and time.time() - t0 < 120, 'child stopped or stalled'
            time.sleep(0.01)
        os.kill(p.pid, signal.SIGKILL)
    finally: p.wait()
    assert p.returncode == -signal.SIGKILL
    st = SynStore(tmp_path / 'st')
    m = st.manifest()
    assert len(m) == 48 and m['index'].tolist() == list(range(48))
    assert m['batch'].tolist() == [b for b in range(3) for _ in range(16)]
    assert m['seed'].tolist() == list(range(48))
    rep = st.validate()                   # every listed image is whole
    assert rep['missing'] == rep['corrupt'] == []
    assert len(rep['orphans']) >= 8       # the half-written batch left files that no row names
    # resuming writes over the orphans and continues the numbering
    import torch
    idx = st.append(torch.zeros(16, 1, 28, 28, dtype=torch.uint8), list(range(10)) + list(range(6)), rows={'batch': 3})
    assert idx.tolist() == list(range(48, 64))
    assert st.validate()['orphans'] == [] and len(st) == 64
