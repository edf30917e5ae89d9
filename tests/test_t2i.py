"External generation as a user runs it: the CLI on a tiny pipeline folder, bad input, and resume after SIGKILL."
import os, signal, subprocess, sys, textwrap, time
from pathlib import Path
import numpy as np, pytest

@pytest.fixture(scope='module')
def tiny(tmp_path_factory):
    from mousterian.gen.t2i import tiny_sd_pipeline
    d = tmp_path_factory.mktemp('pipe') / 'tiny-sd'; tiny_sd_pipeline(d); return d

def run(bin_path, *a): return subprocess.run([str(bin_path / a[0]), *map(str, a[1:])], capture_output=True, text=True, timeout=600)

def test_cli_file_prompts(bin_path, tmp_path, tiny):
    pf = tmp_path / 'p.jsonl'
    pf.write_text('\n'.join(f'{{"class_name": "{c}", "prompt": "a photo of a {c} on grass"}}' for c in
                            ['T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot']))
    r = run(bin_path, 'mousterian-generate', tiny, tmp_path / 's', '--dataset', 'fashion-mnist', '--strategy', 'file', '--prompt-file', pf,
            '--per-class', 2, '--steps', 2, '--size', 16, '--device', 'cpu')
    assert r.returncode == 0, r.stderr
    assert '20 images of 10 classes' in r.stdout
    from mousterian.store import SynStore
    m = SynStore(tmp_path / 's').manifest()
    assert all(c.lower() in p.lower() for c, p in zip(m['class_name'], m['prompt']))

def test_cli_sd3_le_t5_real_guidance(bin_path, tmp_path):
    "He et al.'s generation from the command line on a tiny SD3 pipeline: T5 language enhancement (lead: the class name), real guidance from a folder of shots, a folder dataset's classes."
    from mousterian.gen.t2i import tiny_sd3_pipeline
    from mousterian.data import write_image_folder
    tiny_sd3_pipeline(tmp_path / 'sd3')
    root = write_image_folder(tmp_path / 'real', ['cat', 'dog', 'emu'], n_per_class=2, splits=('train', 'test'), size=16)
    r = run(bin_path, 'mousterian-generate', tmp_path / 'sd3', tmp_path / 's', '--dataset', 'folder', '--root', root, '--strategy', 'le', '--lm', 'tiny-t5',
            '--lead', '{c}', '--prompts-per-class', 2, '--per-class', 3, '--real-shots', root / 'train', '--strength', 0.6, '--steps', 3, '--size', 16, '--device', 'cpu')
    assert r.returncode == 0, r.stderr
    from mousterian.store import SynStore
    m = SynStore(tmp_path / 's').manifest()
    assert m['class_name'].tolist() == ['cat', 'dog', 'emu'] * 3 and (m['strategy'] == 'le').all() and (m['strength'] == 0.6).all()
    assert all(p.startswith(c) for p, c in zip(m['prompt'], m['class_name'])) and (m['scheduler'] == 'FlowMatchEulerDiscreteScheduler').all()
    assert [s.split('/')[-2] for s in m['source_image']] == m['class_name'].tolist()  # each image from a shot of its class
    r = run(bin_path, 'mousterian-generate', tmp_path / 'sd3', tmp_path / 's2', '--dataset', 'folder', '--root', root, '--strength', 0.6)
    assert r.returncode != 0 and '--strength does not act' in r.stderr

@pytest.mark.parametrize('args,msg', [
    (['--per-class', '0'], '--per-class must be at least 1, got 0'),
    (['--strategy', 'le'], 'needs a language model (--lm'),
    (['--strategy', 'poems'], "Unknown strategy 'poems'"),
])
def test_cli_bad_input(bin_path, tmp_path, tiny, args, msg):
    r = run(bin_path, 'mousterian-generate', tiny, tmp_path / 's', '--dataset', 'imagenet10', '--steps', 2, '--size', 16, '--device', 'cpu', *args)
    assert r.returncode != 0 and msg in r.stderr and 'Traceback' not in r.stderr

def test_cli_missing_model(bin_path, tmp_path):
    r = run(bin_path, 'mousterian-generate', tmp_path / 'no-such-pipeline', tmp_path / 's')
    assert r.returncode != 0 and 'does not exist' in r.stderr

def test_cli_not_text_to_image(bin_path, tmp_path):
    "A saved pipeline of another kind (an unconditional DDPMPipeline) is named as not text-to-image."
    from diffusers import DDPMPipeline, UNet2DModel, DDPMScheduler
    u = UNet2DModel(sample_size=8, in_channels=1, out_channels=1, block_out_channels=(32, 32), down_block_types=('DownBlock2D',) * 2,
                    up_block_types=('UpBlock2D',) * 2, layers_per_block=1, norm_num_groups=8)
    DDPMPipeline(unet=u, scheduler=DDPMScheduler()).save_pretrained(tmp_path / 'ddpm-pipe')
    r = run(bin_path, 'mousterian-generate', tmp_path / 'ddpm-pipe', tmp_path / 's', '--dataset', 'imagenet10', '--per-class', 1, '--device', 'cpu')
    assert r.returncode != 0 and 'not a text-to-image pipeline' in r.stderr and 'Traceback' not in r.stderr
    assert not (tmp_path / 's' / 'manifest').exists() or not any((tmp_path / 's' / 'manifest').iterdir())

CHILD = textwrap.dedent('''
    import sys, warnings
    warnings.simplefilter('ignore')
    from mousterian.gen.t2i import load_t2i, generate_t2i, template_prompts
    classes = ['cat', 'dog', 'ship']
    generate_t2i(load_t2i(sys.argv[1], 'cpu'), template_prompts(classes), classes, sys.argv[2], per_class=30, steps=2, guidance=2.0, size=16, bs=4)
''')

def test_resume_after_sigkill(tmp_path, tiny):
    store = tmp_path / 'st'
    p = subprocess.Popen([sys.executable, '-c', CHILD, str(tiny), str(store)], env={**os.environ, 'MOUSTERIAN_PROGRESS': '0'})
    try:
        t0 = time.time()
        while len(list((store / 'manifest').glob('part-*.parquet'))) < 4:
            assert p.poll() is None and time.time() - t0 < 300
            time.sleep(0.005)
        os.kill(p.pid, signal.SIGKILL)
    finally: p.wait()
    import warnings; warnings.simplefilter('ignore')
    from mousterian.gen.t2i import load_t2i, generate_t2i, template_prompts
    from mousterian.store import SynStore
    done = len(SynStore(store)); assert 16 <= done < 90
    classes = ['cat', 'dog', 'ship']
    st = generate_t2i(load_t2i(str(tiny), 'cpu'), template_prompts(classes), classes, store, per_class=30, steps=2, guidance=2.0, size=16, bs=4)
    m = st.manifest()
    assert len(m) == 90 and m['seed'].tolist() == list(range(90)) and m['index'].is_unique
    assert st.counts().tolist() == [30, 30, 30] and st.validate()['corrupt'] == []
