"""Every shipped preset, end to end on the CPU at tiny size: its own settings file, every step through the executed report and the
printed exchange rates, on data the test makes (a fake CIFAR-10, fake ImageNet folders, Fashion-MNIST) with tiny models built from
configs and overrides that shrink counts, steps and budgets. And the README's own-data path, run as the README writes it."""
import json, re, shlex, subprocess, sys
from pathlib import Path
import numpy as np, pandas as pd, pytest, yaml

ROOT, BIN = Path(__file__).resolve().parents[1], Path(sys.executable).parent
PRESETS = ROOT / 'mousterian' / 'assets' / 'studies'

def run(*args, timeout=900):
    return subprocess.run([str(BIN / args[0]), *map(str, args[1:])], capture_output=True, text=True, timeout=timeout)

# every count, step and budget made tiny; the structure of each preset (its generators, recipe, filter, grid shape) stays its own
SMALL_GRID = {'seeds': [0], 'real': [1, 2], 'syn': [1, 2], 'mixed': {'r_real': [1], 'r_syn': [1]}, 'cap_syn_per_class': None}
SMALL_FIT = {'n_boot': 5, 'n_starts': 3}
def small_metrics(patch): return {'n_images': 20, 'domain_iterations': 2, 'domain_patch': patch, 'reference_iterations': 2, 'reference_per_class': 4}
SMALL_RECIPE = {'budget': 'iterations', 'iterations': 2, 'bs': 16}
SMALL_DDPM = {'steps': 2, 'bs': 4, 'warmup': 1, 'ckpt_every': 2}

def finished(out, r, generators, report=True):
    "The study ran every step, wrote an error-free report, and `mousterian-fit OUT` prints each generator's exchange rates."
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-3000:]
    assert 'done in' in r.stdout and 'one extra real image is worth' in r.stdout
    res = pd.read_csv(out / 'sweep' / 'results.csv')
    assert set(res['generator']) == {'none', *generators} and res['acc'].between(0, 100).all()
    f = run('mousterian-fit', out)
    assert f.returncode == 0 and all(f"{g} generator: one extra real image is worth" in f.stdout for g in generators if g != 'repeat'), f.stdout + f.stderr
    if not report: return res
    html = (out / 'report.html').read_text()
    assert 'Study report' in html and 'Traceback' not in html
    nb = json.loads((out / 'report.ipynb').read_text())
    assert not [o for c in nb['cells'] for o in c.get('outputs', []) if o.get('output_type') == 'error']
    return res

def test_cifar10_paper(tmp_path):
    "cifar10-paper: internal DDPMs (one per base size) and ResNet-110 on a fake CIFAR-10 in its pickle layout; the DDPM network shrunk to the tiny preset (the paper's UNet is built in the DDPM notebook)."
    from mousterian.data import write_cifar10_like
    root = write_cifar10_like(tmp_path / 'c10', n_per_batch=60)
    ov = dict(n_bases_per_class=[2, 3], n_test_per_class=4, generators={'internal': {'preset': 'tiny', **SMALL_DDPM}}, sampling={'steps': 2, 'bs': 64},
              recipe_overrides=SMALL_RECIPE, grid=SMALL_GRID, metrics=small_metrics(16), fit=SMALL_FIT,
              questions=[{'arm': 'internal', 'n_base_per_class': 2}])  # the question re-declared at the shrunken base sizes
    r = run('mousterian-study', 'cifar10-paper', '--root', root, '--out', tmp_path / 's', '--device', 'cpu', '--set', yaml.safe_dump(ov, default_flow_style=True))
    res = finished(tmp_path / 's', r, ['internal'])
    assert (res['recipe'] == 'resnet110-cifar').all() and (res['arch'] == 'resnet110').all()

@pytest.mark.parametrize('preset,pipe', [('imagenet10-paper', 'sd2'), ('imagenet100-paper', 'sd3')])
def test_imagenet_paper(tmp_path, preset, pipe):
    """The external setting: a fake ImageNet folder (the paper's wnids, PNGs), a tiny Stable Diffusion pipeline of the preset's kind built from
    configs (SD2 with class templates; SD3 with captions from a tiny language model), image_size from the preset shrunk, ResNet-50."""
    from mousterian.data import write_image_folder, imagenet_classes
    from mousterian.gen.t2i import tiny_sd_pipeline, tiny_sd3_pipeline
    name = preset.split('-')[0]
    root = write_image_folder(tmp_path / 'imagenet', [w for w, _ in imagenet_classes(name)], n_per_class=9, splits=('train', 'val'), size=20)
    (tiny_sd_pipeline if pipe == 'sd2' else tiny_sd3_pipeline)(tmp_path / pipe)
    gen = {'model': str(tmp_path / pipe), 'size': 16, 'steps': 2, 'bs': 64}
    if pipe == 'sd3': gen.update(lm='tiny', lead='a photo of a {c},', real_shots='base')  # a random-weight captioner names the class only through the lead; real guidance from the study's base set (the preset has none: this covers the study's img2img path)
    ov = dict(image_size=16, n_bases_per_class=[2, 3], n_test_per_class=2, generators={'external': gen}, recipe_overrides=SMALL_RECIPE, grid=SMALL_GRID,
              metrics=small_metrics(8), fit=SMALL_FIT, questions=[{'arm': 'external', 'n_base_per_class': 2}])
    if pipe == 'sd3': ov['filter'] = {'model': 'tiny', 'pretrained': None}  # the preset's CLIP filter (kind clip, q 0.2) with a tiny CLIP built from a config
    r = run('mousterian-study', preset, '--root', root, '--out', tmp_path / 's', '--device', 'cpu', '--set', yaml.safe_dump(ov, default_flow_style=True))
    res = finished(tmp_path / 's', r, ['external'])
    assert (res['arch'] == 'resnet50').all() and (res['image_size'] == 16).all()
    from mousterian.store import SynStore
    m = SynStore(tmp_path / 's' / 'stores' / 'external').manifest()
    assert all(c.lower() in p.lower() for c, p in zip(m['class_name'], m['prompt']))
    assert (m['strategy'] == ('template' if pipe == 'sd2' else 'captions')).all()
    if pipe == 'sd3':
        assert (m['scheduler'] == 'FlowMatchEulerDiscreteScheduler').all() and m.groupby('prompt').size().max() <= 5  # 5 images per caption
        assert m['source_image'].str.contains('/train/').all() and (m['strength'] == 0.5).all()  # each image from a real shot (a base-set file of its class)
        assert all(s.split('/')[-2] == w for s, w in zip(m['source_image'], [dict((c, w) for w, c in imagenet_classes(name))[c] for c in m['class_name']]))
        # the CLIP filter of a text-to-image arm (no real pool): scores in the manifest, the bottom 20% of each class dropped, and the grid's runs drew from the kept images
        assert m['clip_score'].between(0, 1).all() and m['clip_score'].nunique() > 1
        for c, x in m.groupby('label'): assert x['clip_keep'].sum() == len(x) - round(0.2 * len(x)), (c, len(x), x['clip_keep'].sum())
        assert 'kept' in r.stdout and "CLIP tiny's zero-shot confidence" in r.stdout and (res.loc[res.n_syn_plus > 0, 'keep'] == 'clip_keep').all()
    else: assert 'clip_keep' not in m.columns

@pytest.mark.parametrize('preset', ['fmnist-cpu', 'fmnist-cpu-wide', 'fmnist-quick', 'fmnist-quality'])
def test_fmnist(tmp_path, preset):
    """The embedded presets on Fashion-MNIST: internal and external DDPMs of the preset's network (fmnist-quick: the external alone), filter, small CNN. fmnist-quick stops
    before the report: its report is the one fmnist-cpu's (and the tiny preset's) test executes, for the same kind of study."""
    steps = 'train,generate,filter,grid,metrics,laws' if preset == 'fmnist-quick' else 'train,generate,filter,grid,metrics,laws,report'
    ov = dict(n_bases_per_class=[2, 3], external_pool_per_class=4, n_test_per_class=4, generators={'internal': SMALL_DDPM, 'external': SMALL_DDPM},
              sampling={'steps': 2, 'bs': 64}, recipe_overrides=SMALL_RECIPE, grid=dict(SMALL_GRID, arm_bases={'internal': [2]}), metrics=small_metrics(14), fit=SMALL_FIT,
              questions=[{'arm': 'external', 'n_base_per_class': 2}, {'arm': 'internal', 'n_base_per_class': 2}])
    arms = ['internal', 'external']
    if preset == 'fmnist-cpu-wide':  # its structure kept: base draws, each with a seed of its own, and the compute control (here at a ratio the synthetic arms run)
        ov['grid'].update(split_seeds=[0, 1], seeds=[0, 1], arm_syn={'repeat': [2]}); arms.append('repeat')
    if preset == 'fmnist-cpu':  # its structure kept: a question per base size, each arm at its own, the second base size at its first draw only
        ov['grid'].update(split_seeds=[0, 1], seeds=[0, 1], arm_bases={'external': [2], 'internal': [3]}, base_draws={3: 1}, base_real={3: [1]})
        ov['questions'] = [{'arm': 'external', 'n_base_per_class': 2}, {'arm': 'internal', 'n_base_per_class': 3}]
    if preset == 'fmnist-quick':  # its structure kept: fmnist-cpu's Q1 alone, the external arm at one base size, base draws of its own
        ov.update(generators={'external': SMALL_DDPM}, n_bases_per_class=[2], questions=[{'arm': 'external', 'n_base_per_class': 2}])
        ov['grid'].update(split_seeds=[20, 21], seeds=[20, 21], arm_bases={}, mixed={'r_real': [], 'r_syn': []}); arms = ['external']
    if preset == 'fmnist-quality':  # its structure kept: today's generator, rungs of one DDPM and one EDM trajectory at one cell (one rung sampled two ways), the compute control, a question a rung
        rung = lambda **k: dict(SMALL_DDPM, **k)
        ov.update(n_bases_per_class=[2], external_pool_per_class=0, generators={'today': SMALL_DDPM, 'd250': rung(steps=4, at_step=1), 'd1000': rung(steps=4, at_step=4),
                                                                                'e1000': rung(steps=4, at_step=4), 'd250s5': rung(steps=4, at_step=1)},
                  questions=[{'arm': a, 'n_base_per_class': 2, 'pilot_arm': 'internal'} for a in ('d1000', 'today', 'd250', 'e1000', 'd250s5')])
        ov['grid'].update(split_seeds=[0, 1], seeds=[0, 1], arm_bases={}, real=[], syn=[1], base_real={2: [1]}, mixed={'r_real': [], 'r_syn': []}, arm_syn={'repeat': [1]})
        arms = ['today', 'd250', 'd1000', 'e1000', 'd250s5', 'repeat']
    r = run('mousterian-study', preset, '--out', tmp_path / 's', '--device', 'cpu', '--steps', steps, '--set', yaml.safe_dump(ov, default_flow_style=True))
    finished(tmp_path / 's', r, arms, report=preset != 'fmnist-quick')
    if preset == 'fmnist-quick':
        res = pd.read_csv(tmp_path / 's' / 'sweep' / 'results.csv')
        assert set(res.split_seed) == {20, 21} and set(res.generator) == {'none', 'external'}
    if preset == 'fmnist-cpu-wide':
        cc = pd.read_csv(tmp_path / 's' / 'laws' / 'compute.csv'); assert set(cc.arm) == {'internal', 'external'} and (cc.r_syn == 2).all()
    if preset == 'fmnist-quality':  # two trajectories a draw, each trained once for its rungs (d250s5 samples d250's checkpoint); every draw's stores measured; the ladder read
        gens = sorted(p.name for p in (tmp_path / 's' / 'generators').iterdir())
        assert len(gens) == 6 and sum(g.startswith('today-b2') for g in gens) == 2, gens
        assert len(json.loads((tmp_path / 's' / 'metrics.json').read_text())) == 10  # 5 generators x 2 draws
        html = (tmp_path / 's' / 'report.html').read_text()
        assert 'Worth per rung' in html and 'd250s5 against d250 (dpm++ 5 against dpm++ 2 at 1 training steps)' in html
    if preset == 'fmnist-cpu':  # 3/class at draw 0 only: its internal DDPM trained once
        res = pd.read_csv(tmp_path / 's' / 'sweep' / 'results.csv')
        assert set(res[res.n_base == 30].split_seed) == {0} and set(res[res.n_base == 20].split_seed) == {0, 1}
        assert sorted(p.name for p in (tmp_path / 's' / 'generators').iterdir()) == ['external', 'external-s1', 'internal-b3']
        assert sorted(json.loads((tmp_path / 's' / 'metrics.json').read_text())) == ['external', 'internal-b3']  # metrics.draws 1: the first draw's stores alone

def test_own_data_as_the_readme_writes_it(tmp_path):
    "The README's three commands, parsed from its 'Your own data' section, run on a small folder of digits (the --set shrunk for the test)."
    from PIL import Image
    from sklearn.datasets import load_digits
    d = load_digits(); x, y = (d.images * 255 / 16).astype(np.uint8), d.target
    rng = np.random.default_rng(0)
    for c in range(10):
        idx = rng.permutation(np.where(y == c)[0])
        for part, sl in (('my_real/train', idx[:60]), ('my_real/test', idx[60:80]), ('my_generated', idx[80:110])):
            f = tmp_path / part / f'digit {c}'; f.mkdir(parents=True, exist_ok=True)
            for i in sl: Image.fromarray(x[i]).resize((16, 16)).save(f / f'{i}.png')
    text = (ROOT / 'README.md').read_text()
    block = re.search(r'## Your own data.*?```sh\n(.*?)```', text, re.S).group(1)
    cmds = [shlex.split(l.split('#')[0]) for l in block.splitlines() if l.strip() and not l.startswith('#')]
    assert [c[0] for c in cmds] == ['mousterian-data', 'mousterian-study', 'mousterian-fit']
    shrink = dict(image_size=16, n_bases_per_class=[3, 6], recipe_overrides=SMALL_RECIPE, grid={'seeds': [0, 1], 'real': [1], 'syn': [1, 2]}, metrics=small_metrics(8), fit=SMALL_FIT,
                  questions=[{'arm': 'external', 'n_base_per_class': 3}])
    outs = []
    for c in cmds:
        if '--set' in c: i = c.index('--set') + 1; c[i] = yaml.safe_dump({**yaml.safe_load(c[i]), **shrink}, default_flow_style=True)
        r = subprocess.run([str(BIN / c[0]), *c[1:]], capture_output=True, text=True, timeout=900, cwd=tmp_path)
        assert r.returncode == 0, ' '.join(c) + '\n' + r.stdout[-2000:] + r.stderr[-2000:]
        outs.append(r.stdout)
    assert 'digit 0' in outs[0] and '16x16 pixels' in outs[0]
    assert 'imported 300 images from my_generated' in outs[1]
    assert 'external generator: one extra real image is worth' in outs[2] and 'n_base = 30 (3/class)' in outs[2]
    assert (tmp_path / 'study' / 'own' / 'report.html').exists()
