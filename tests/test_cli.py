"The command-line tools, run as a user would."
import re, subprocess

def run(bin_path, *args):
    return subprocess.run([str(bin_path / args[0]), *args[1:]], capture_output=True, text=True, timeout=300)

def test_data_summary_fashion_mnist(bin_path):
    r = run(bin_path, 'mousterian-data', 'fashion-mnist')
    assert r.returncode == 0, r.stderr
    out = r.stdout
    assert 'Ankle boot' in out and '28x28' in out and '1 channel' in out
    assert '/usr/share/datasets/fashion-mnist' in out or 'FashionMNIST' in out or 'fashion' in out.lower()
    assert [l for l in out.splitlines() if l.startswith('total')][0].split()[1:] == ['60000', '10000']

def test_data_summary_digits(bin_path):
    r = run(bin_path, 'mousterian-data', 'digits')
    assert r.returncode == 0, r.stderr and '8x8' in r.stdout

def test_data_unknown_name(bin_path):
    r = run(bin_path, 'mousterian-data', 'fashion_mnist')
    assert r.returncode != 0
    assert "Unknown dataset 'fashion_mnist'" in r.stderr and 'fashion-mnist' in r.stderr and 'Traceback' not in r.stderr

def test_data_folder_missing_classes(bin_path, tmp_path):
    from mousterian.data import write_image_folder
    write_image_folder(tmp_path, ['n02108915'], n_per_class=1)
    r = run(bin_path, 'mousterian-data', 'imagenet10', '--root', str(tmp_path))
    assert r.returncode != 0 and 'lacks 9 of the 10 class folders' in r.stderr and 'n02114855' in r.stderr

def test_fit_cli(bin_path, tmp_path):
    from mousterian.equiv import simulate, TRUE
    simulate(TRUE).assign(generator='sim').to_csv(tmp_path / 'res.csv', index=False)
    r = run(bin_path, 'mousterian-fit', str(tmp_path / 'res.csv'), '--group', 'generator', '--n-boot', '20')
    assert r.returncode == 0, r.stderr
    assert 'n_syn+/n_base ≃' in r.stdout and '95% bootstrap intervals' in r.stdout and 'lack-of-fit' in r.stdout
    assert r.stdout.index('One extra real image is worth') < r.stdout.index('The law (RMSE')  # the model-free table first
    assert (tmp_path / 'res_law' / 'sim' / 'law.json').exists() and (tmp_path / 'res_law' / 'sim' / 'law.png').exists()
    r = run(bin_path, 'mousterian-fit', str(tmp_path / 'nope.csv'))
    assert r.returncode != 0 and 'does not exist' in r.stderr

def test_fit_cli_refuses_what_it_cannot_answer(bin_path, tmp_path):
    "A table without synthetic rows, accuracies beyond 100, and a study-shaped table where synthetic images do not help."
    from mousterian.equiv import simulate, SMALL, SPARSE
    sim = simulate(SMALL, **SPARSE, rng_seed=0, n_eq=lambda nb, ns: 0. * ns)
    sim[sim.n_syn_plus == 0].to_csv(tmp_path / 'real.csv', index=False)
    r = run(bin_path, 'mousterian-fit', str(tmp_path / 'real.csv'), '--n-boot', '10')
    assert r.returncode != 0 and 'No rows with synthetic images' in r.stderr and 'Traceback' not in r.stderr
    sim.assign(acc=sim.acc + 30).to_csv(tmp_path / 'big.csv', index=False)
    r = run(bin_path, 'mousterian-fit', str(tmp_path / 'big.csv'), '--n-boot', '10')
    assert r.returncode != 0 and 'outside [0, 100] percent' in r.stderr
    sim.to_csv(tmp_path / 'null.csv', index=False)
    r = run(bin_path, 'mousterian-fit', str(tmp_path / 'null.csv'), '--n-boot', '50')
    assert r.returncode == 0, r.stderr
    ks = [l for l in r.stdout.splitlines() if re.match(r'  n_base = [\d.]+, r_real =', l)]
    assert len(ks) == 6 and all(('more than' in l or 'not estimable' in l or 'do not help' in l or 'hurt' in l or 'not determined' in l) for l in ks), ks  # no finite k where the truth is ∞
    ws = [l for l in r.stdout.splitlines() if re.match(r'  n_base = [\d.]+, r_syn =', l)]  # the inverse reading: a finite k only where flagged as no answer
    assert len(ws) == 6 and all('k =' not in l or 'not an answer' in l for l in ws), ws

def test_store_export_verify_import(bin_path, tmp_path):
    "mousterian-store: export a store, verify the export, import it; a tampered export and a bad command are refused in one line."
    import torch
    from mousterian.store import SynStore
    st = SynStore.create(tmp_path / 'st', ['a', 'b'], 1, 8)
    st.append(torch.randint(0, 256, (6, 1, 8, 8), dtype=torch.uint8), [0, 1] * 3, rows={'seed': list(range(6))})
    ex = tmp_path / 'ex'
    r = run(bin_path, 'mousterian-store', 'export', str(st.path), str(ex))
    assert r.returncode == 0 and 'exported store' in r.stdout and '6 images' in r.stdout, r.stderr
    r = run(bin_path, 'mousterian-store', 'verify', str(ex))
    assert r.returncode == 0 and 'every checksum matches' in r.stdout, r.stderr
    r = run(bin_path, 'mousterian-store', 'import', str(ex), str(tmp_path / 'imported'))
    assert r.returncode == 0 and SynStore(tmp_path / 'imported').manifest()['seed'].tolist() == list(range(6)), r.stderr
    (ex / 'train' / '000000002.png').write_bytes(b'not an image')
    r = run(bin_path, 'mousterian-store', 'import', str(ex), str(tmp_path / 'again'))
    assert r.returncode != 0 and 'changed since export (1): train/000000002.png' in r.stderr and 'Traceback' not in r.stderr
    assert not (tmp_path / 'again').exists()
    r = run(bin_path, 'mousterian-store', 'exprot', str(st.path), str(tmp_path / 'x'))
    assert r.returncode != 0 and "did you mean 'export'" in r.stderr and 'Traceback' not in r.stderr

def test_fit_cli_replicates(bin_path, tmp_path):
    "A CSV that records its replicate factors (split_seed, gen_seed, seed): the worth curve's intervals resample the base draws, and say so."
    import numpy as np, pandas as pd
    from mousterian.equiv import simulate, SMALL, SPARSE
    rng = np.random.default_rng(0)
    parts = []
    for s in range(4):  # four base draws, each with its own generator (a shared shift of its synthetic runs) and seed
        d = simulate(SMALL, **SPARSE, seeds=(s,), rng_seed=s)
        parts.append(d.assign(split_seed=s, gen_seed=np.where(d.n_syn_plus > 0, s, np.nan), acc=d.acc + np.where(d.n_syn_plus > 0, rng.normal(0, 1), 0)))
    pd.concat(parts).to_csv(tmp_path / 'reps.csv', index=False)
    r = run(bin_path, 'mousterian-fit', str(tmp_path / 'reps.csv'), '--n-boot', '50')
    assert r.returncode == 0, r.stderr
    w = pd.read_csv(tmp_path / 'reps_law' / 'worth.csv')
    assert {'n_base', 'r_syn', 'k', 'lo', 'hi', 'marginal', 'marginal_lo', 'marginal_hi'} <= set(w.columns) and len(w) == 6
    assert (w.given == 'over 4 base draws, each with its own generator training').all() and (w.draws == '4 base draws (t, 3 df)').all()
    assert 'over 4 base draws, each with its own generator training' in r.stdout and (tmp_path / 'reps_law' / 'worth.png').exists()

def test_store_novelty(bin_path, tmp_path):
    "mousterian-store novelty: a tiny DDPM's samples measured against the images it learned from (found through the store's manifest), with the closest pairs drawn; a store of its training images themselves, given the DDPM, mostly copies; the options act only with novelty."
    from mousterian.data import Splits
    from mousterian.mix import store_from_images
    from mousterian.core import load_json
    g, st = tmp_path / 'ddpm', tmp_path / 'st'
    for a in (['train', str(g), '--dataset', 'digits', '--n-per-class', '20', '--preset', 'tiny', '--train-steps', '2', '--device', 'cpu'],
              ['sample', str(g), '--store', str(st), '--per-class', '10', '--steps', '2', '--device', 'cpu']):
        r = run(bin_path, 'mousterian-ddpm', *a); assert r.returncode == 0, r.stdout[-2000:] + r.stderr[-2000:]
    ref = ['--n-images', '100', '--reference-per-class', '10', '--reference-iterations', '5', '--device', 'cpu']
    r = run(bin_path, 'mousterian-store', 'novelty', str(st), '--figure', str(tmp_path / 'pairs.png'), *ref)
    assert r.returncode == 0 and '100 images against the 200 real images its DDPM' in r.stdout and 'near-copies' in r.stdout, r.stdout + r.stderr
    assert (tmp_path / 'pairs.png').stat().st_size > 10_000
    d = load_json(g / 'train.json')['data']
    copies = store_from_images(tmp_path / 'copies', Splits.from_dict(d['splits']).load()[d['pool']])
    r = run(bin_path, 'mousterian-store', 'novelty', str(copies.path), str(g), *ref)
    assert r.returncode == 0 and '100.0% in pixels' in r.stdout and 'it mostly copies its training images' in r.stdout, r.stdout + r.stderr
    r = run(bin_path, 'mousterian-store', 'novelty', str(copies.path), *ref)
    assert r.returncode != 0 and 'records no DDPM' in r.stderr and 'Traceback' not in r.stderr
    r = run(bin_path, 'mousterian-store', 'verify', str(st), '--figure', 'x.png')
    assert r.returncode != 0 and '--figure acts only with novelty' in r.stderr

def test_fit_reads_the_papers_table_3_layout(bin_path, tmp_path):
    "The paper's Table 3 as it is published (real-only runs at larger base sizes, no extra-real arm): k with the assumption said."
    from importlib.resources import files
    t3 = tmp_path / 't3.csv'; t3.write_bytes((files('mousterian') / 'assets' / 'paper_tables' / 'mousterian_table3_cifar10_internal.csv').read_bytes())
    r = run(bin_path, 'mousterian-fit', str(t3), '--n-boot', '20')
    assert r.returncode == 0, r.stderr[-2000:]
    assert 'no runs with extra real images at n_base = 25,000: its real-only runs of 32,500' in r.stdout and 'read as the base set plus' in r.stdout
    k = re.search(r'n_base = 25000, r_real = 0\.3: ([\d.]+) \(from the curves, no interval: one seed per setting', r.stdout)
    assert k and 8 < float(k[1]) < 9, r.stdout[:3000]  # about 8.4 synthetic images per real one, as nbs/paper reads the table
    assert 'n_base = 5000, r_real = 3: not estimable by these runs' in r.stdout  # k > 0.33: both k < 1 and k = ∞ held
    assert not [l for l in (tmp_path / 't3_law' / 'exchange.csv').read_text().splitlines() if ',more than,inf,,' in l and l.startswith('5000')]

def test_plan_reads_a_study_folder_and_its_target(bin_path, tmp_path):
    "mousterian-plan takes the folder mousterian-study wrote (its runs in sweep/results.csv), and --target acts."
    from mousterian.study import PILOTS
    st = tmp_path / 'study' / 'own'; (st / 'sweep').mkdir(parents=True)
    for f in ('timings.json', 'study.json'): (st / f).write_bytes((PILOTS / 'tiny' / f).read_bytes())
    (st / 'sweep' / 'results.csv').write_bytes((PILOTS / 'tiny' / 'results.csv').read_bytes())
    r = run(bin_path, 'mousterian-plan', 'tiny', '--pilot', str(st), '--target', '20')
    assert r.returncode == 0, r.stderr[-2000:]
    assert f'variance components from {st}' in r.stdout and "the primary question's target 95% half-width is 20 points" in r.stdout
    assert 'the cheapest design reaching every target' in r.stdout and re.search(r'\*.* 20 ', r.stdout), r.stdout  # the given target, in the table
    r = run(bin_path, 'mousterian-plan', 'tiny', '--pilot', str(st), '--target', '0.1')  # out of reach: refused, with the reason
    assert r.returncode != 0 and 'No design reaches a half-width of 0.1 points' in r.stderr, r.stderr
