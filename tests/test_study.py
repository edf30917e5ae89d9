"The study as a user runs it: `mousterian-study` on the tiny preset, with its report, then again (everything reused); a second study on the same folder while one runs; bad input."
import json, subprocess, sys, time
from pathlib import Path
import numpy as np, pandas as pd
import pytest

BIN = Path(sys.executable).parent

def study(*args, timeout=900):
    return subprocess.run([str(BIN / 'mousterian-study'), *map(str, args)], capture_output=True, text=True, timeout=timeout)

@pytest.fixture(scope='module')
def tiny(tmp_path_factory):
    "A finished tiny study (every step, the report included) and the command's output."
    out = tmp_path_factory.mktemp('study') / 'tiny'
    r = study('tiny', '--out', out, '--device', 'cpu')
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-3000:]
    return out, r

def test_study_writes_everything(tiny):
    out, r = tiny
    assert 'Study tiny' in r.stdout and 'done in' in r.stdout
    res = pd.read_csv(out / 'sweep' / 'results.csv')
    assert set(res['generator']) == {'none', 'internal', 'external', 'repeat'} and res['acc'].between(0, 100).all()
    assert sorted(set(zip(res.split_seed, res.seed))) == [(0, 0), (1, 1)]  # two base draws, each with a seed of its own
    syn = res[res.generator.isin(['internal', 'external'])]
    assert sorted(syn.gen_seed.unique()) == [0, 1] and res.loc[res.generator == 'none', 'gen_seed'].isna().all()  # each draw trained its generators afresh
    assert sorted(p.name for p in (out / 'stores').iterdir()) == ['external', 'external-s1', 'internal-b10', 'internal-b10-s1', 'internal-b20', 'internal-b20-s1',
                                                                  'repeat-b10', 'repeat-b10-s1', 'repeat-b20', 'repeat-b20-s1']
    m = res[res.generator == 'repeat'].merge(res[res.generator == 'external'], on=['n_base', 'split_seed', 'r_syn'], suffixes=('_rep', '_ext'))
    assert len(m) == 4 and (m.n_train_rep == m.n_train_ext).all() and (m.iterations_rep == m.iterations_ext).all()  # as many images and iterations
    cc = pd.read_csv(out / 'laws' / 'compute.csv')
    assert set(cc.arm) == {'internal', 'external'} and np.allclose(cc.total, cc.iterations + cc.new_images) and (cc.units == '2 base draws').all()
    w = pd.read_csv(out / 'laws' / 'external' / 'worth.csv')
    assert {'n_base', 'r_syn', 'k', 'lo', 'hi', 'marginal', 'k_linear', 'k_power'} <= set(w.columns) and (w.given.str.startswith('over 2 base draws')).all()
    assert (out / 'laws' / 'external' / 'worth.png').exists() and not (out / 'laws' / 'repeat').exists()  # the control is no generator: no law of its own
    f = pd.read_csv(out / 'laws' / 'findings.csv'); assert f.n_base.notna().any() and 'repeat' not in set(f.generator)
    assert not res.duplicated(['run_id']).any()
    for g in ('internal', 'external'): assert (out / 'laws' / g / 'law.json').exists() and (out / 'laws' / g / 'exchange.csv').exists()
    assert len(list((out / 'figures').glob('*.png'))) >= 3
    html = (out / 'report.html').read_text()
    assert 'Study report' in html and 'Findings as tests' in html and 'The exchange rates' in html and 'Traceback' not in html
    assert 'The worth curve' in html and 'The compute control' in html and 'declared reading: ' in html
    nb = json.loads((out / 'report.ipynb').read_text())
    assert not [o for c in nb['cells'] for o in c.get('outputs', []) if o.get('output_type') == 'error']
    t = json.loads((out / 'timings.json').read_text())
    assert list(t[0]['steps']) == ['design', 'train', 'generate', 'filter', 'grid', 'metrics', 'laws', 'report'] and t[0]['calibration']['torch_matmul_s'] > 0
    assert 'Plan for tiny on cpu' in r.stdout and 'Planned before the runs' in html and (out / 'plan.json').exists()  # the design step's forecast
    q = json.loads((out / 'plan.json').read_text())['questions'][0]
    assert (q['arm'], q['n_base_per_class'], q['draws']) == ('external', 10, 2) and q['half_width'] > 0 and q['minutes'] > 0

def test_rerun_reuses_everything(tiny):
    out, _ = tiny
    before = pd.read_csv(out / 'sweep' / 'results.csv')
    t = time.perf_counter(); r = study('tiny', '--out', out, '--device', 'cpu'); dt = time.perf_counter() - t
    assert r.returncode == 0, r.stderr[-3000:]
    for msg in ('trained already', 'there already', 'filtered already', 'measured already', 'fitted already', 'report up to date'): assert msg in r.stdout, msg
    pd.testing.assert_frame_equal(pd.read_csv(out / 'sweep' / 'results.csv'), before)
    assert len(json.loads((out / 'timings.json').read_text())) == 2
    assert dt < 60, f"rerun took {dt:.0f} s"

def test_second_study_on_same_folder_refused(tiny):
    out, _ = tiny
    from mousterian.sweep import SweepLock
    with SweepLock(out):  # as a running study holds it
        r = study('tiny', '--out', out, '--device', 'cpu', '--steps', 'laws')
    assert r.returncode != 0 and 'Another study is running on' in r.stderr and 'Traceback' not in r.stderr
    r = study('tiny', '--out', out, '--device', 'cpu', '--steps', 'laws')  # the lock is free again
    assert r.returncode == 0 and 'fitted already' in r.stdout, r.stderr[-2000:]

@pytest.mark.parametrize('args,msg', [(['fmnist_cpu'], "Unknown study 'fmnist_cpu': use one of"),
                                      (['tiny', '--steps', 'train,fit'], 'Unknown steps fit'),
                                      (['tiny', '--set', '[1, 2]'], '--set takes a YAML mapping'),
                                      (['tiny', '--set', '{sampling: {stepz: 5}}'], "'stepz' is not a sampling setting; did you mean 'steps'?"),
                                      (['tiny', '--set', '{grdi: {seeds: [0]}}'], "'grdi' is not a study setting; did you mean 'grid'?"),
                                      (['tiny', '--set', '{recipe_overrides: {lrr: 0.1}}'], "did you mean 'lr'?"),
                                      (['tiny', '--set', '{sampling: {steps: many}}'], 'sampling.steps must be a whole number'),
                                      (['tiny', '--redo', 'grid'], '--redo takes train and/or generate')])
def test_bad_input(tmp_path, args, msg):
    r = study(*args, '--out', tmp_path / 's', timeout=120)
    assert r.returncode != 0 and msg in r.stderr and 'Traceback' not in r.stderr, r.stderr[-2000:]

def test_list():
    r = study('--list', timeout=120)
    assert r.returncode == 0 and 'fmnist-cpu' in r.stdout and 'imagenet100-paper' in r.stdout

@pytest.fixture
def copy(tiny, tmp_path):
    "A copy of the finished tiny study, to change settings on."
    import shutil
    dst = tmp_path / 'tiny'; shutil.copytree(tiny[0], dst)
    return dst

def test_changed_filter_redoes_filter_and_the_runs_after_it(copy):
    before = pd.read_csv(copy / 'sweep' / 'results.csv')
    r = study('tiny', '--out', copy, '--device', 'cpu', '--set', '{filter: {q: 0.1}}', '--steps', 'train,generate,filter,grid')  # q 0.1 needs no more images
    assert r.returncode == 0, r.stdout[-2000:] + r.stderr[-2000:]
    assert 'trained already' in r.stdout and 'there already' in r.stdout and 'filtering again' in r.stdout and 'q: 0.2 → 0.1' in r.stdout
    after = pd.read_csv(copy / 'sweep' / 'results.csv')
    real = lambda d: d[d.generator == 'none'].sort_values('run_id').reset_index(drop=True)
    pd.testing.assert_frame_equal(real(after)[['run_id', 'acc']], real(before)[['run_id', 'acc']])  # real-only runs reused
    assert not set(after.loc[~after.generator.isin(['none', 'repeat']), 'run_id']) & set(before.run_id)  # every synthetic run redone on the new filter
    assert set(after.loc[after.generator == 'repeat', 'run_id']) <= set(before.run_id)  # the compute control's base copies are not filtered: reused
    assert len(after) == len(before)  # the old synthetic runs are out of the table

def test_changed_sampling_refused_with_its_flag(copy):
    r = study('tiny', '--out', copy, '--device', 'cpu', '--set', '{sampling: {guidance: 3.0}}', '--steps', 'train,generate')
    assert r.returncode != 0 and 'sampling.guidance: 2.0 → 3.0' in r.stderr and '--redo generate' in r.stderr and 'Traceback' not in r.stderr, r.stderr[-2000:]

def test_recipe_overrides_reach_every_classifier(copy):
    r = study('tiny', '--out', copy, '--device', 'cpu', '--set', '{recipe_overrides: {lr: 0.05}}', '--steps', 'grid')
    assert r.returncode == 0, r.stdout[-2000:] + r.stderr[-2000:]
    res = pd.read_csv(copy / 'sweep' / 'results.csv')
    assert len(res) and res['recipe_overrides'].map(lambda s: json.loads(s).get('lr')).eq(0.05).all()

def test_redo_train_redoes_that_generator_and_what_follows(copy):
    "A changed learning rate of the internal generators, with --redo train: those generators, their stores, filters and runs are made again; the external generator and every real-only run are reused."
    before = pd.read_csv(copy / 'sweep' / 'results.csv')
    r = study('tiny', '--out', copy, '--device', 'cpu', '--set', '{generators: {internal: {lr: 0.001}}}', '--redo', 'train', '--steps', 'train,generate,filter,grid')
    assert r.returncode == 0, r.stdout[-2000:] + r.stderr[-2000:]
    out = r.stdout
    assert out.count('generator.lr: 0.002 → 0.001') >= 2 and 'external: trained already' in out and 'external: 250 images there already' in out
    assert 'internal-b10: 13 images per class into' in out and 'external: filtered already' in out
    after = pd.read_csv(copy / 'sweep' / 'results.csv')
    kept = lambda d, g: set(d.loc[d.generator == g, 'run_id'])
    assert kept(after, 'none') == kept(before, 'none') and kept(after, 'external') == kept(before, 'external')
    assert not kept(after, 'internal') & kept(before, 'internal') and len(after) == len(before)
    assert json.loads((copy / 'generators' / 'internal-b10' / 'train.json').read_text())['hp']['lr'] == 0.001

def test_changed_fit_redoes_laws_and_report_only(copy):
    r = study('tiny', '--out', copy, '--device', 'cpu', '--set', '{fit: {n_boot: 10}}', '--steps', 'metrics,laws,report')
    assert r.returncode == 0, r.stdout[-2000:] + r.stderr[-2000:]
    assert r.stdout.count('measured already') == 6 and 'fitted already' not in r.stdout and 'report up to date' not in r.stdout and 'report:' in r.stdout
    assert json.loads((copy / 'laws' / 'external' / 'law.json').read_text())['meta']['params']['n_boot'] == 10

def test_imported_store_as_the_external_arm(tiny, tmp_path):
    "A store made elsewhere, exported, becomes a study's external arm by its path: verified, imported, filtered, run, and its provenance named in the report; a damaged export is refused."
    import yaml, shutil
    from mousterian.share import export_store
    ex = export_store(tiny[0] / 'stores' / 'external', tmp_path / 'shared')
    p = yaml.safe_load((Path(__file__).parents[1] / 'mousterian' / 'assets' / 'studies' / 'tiny.yaml').read_text())
    arm = tmp_path / 'arm'
    for d in ('generators/internal-b10', 'generators/internal-b20', 'stores/internal-b10', 'stores/internal-b20', 'sweep'): shutil.copytree(tiny[0] / d, arm / d)  # the internal arm, reused
    r = study('tiny', '--out', arm, '--device', 'cpu', '--set', f'{{generators: {{external: {{kind: store, path: "{ex}"}}}}}}')  # another kind replaces the preset's generator
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-3000:]
    assert 'imported 250 images from' in r.stdout and 'every checksum verified' in r.stdout and 'internal-b10: trained already' in r.stdout
    res, before = pd.read_csv(arm / 'sweep' / 'results.csv'), pd.read_csv(tiny[0] / 'sweep' / 'results.csv')
    ids = lambda d, g: set(d.loc[d.generator == g, 'run_id'])
    assert ids(res, 'internal') == ids(before, 'internal') and ids(res, 'none') == ids(before, 'none')  # reused
    assert len(ids(res, 'external')) == 4 and not ids(res, 'external') & ids(before, 'external') and (arm / 'laws' / 'external' / 'exchange.csv').exists()
    html = (tmp_path / 'arm' / 'report.html').read_text()
    assert 'images made elsewhere, imported from' in html and json.loads((ex / 'mousterian.json').read_text())['provenance']['store']['id'] in html
    (arm / 'stores' / 'external' / 'deps.json').unlink()  # an import stopped before its end is made again (the arm's cut_short)
    r = study('tiny', '--out', arm, '--device', 'cpu', '--steps', 'train,generate', '--set', f'{{generators: {{external: {{kind: store, path: "{ex}"}}}}}}')
    assert r.returncode == 0 and r.stdout.count('imported 250 images from') == 1, r.stdout[-2000:]
    bad = Path(shutil.copytree(ex, tmp_path / 'bad')); (bad / 'train' / '000000003.png').write_bytes(b'x')
    p['generators']['external'] = {'kind': 'store', 'path': str(bad)}; (tmp_path / 'bad.yaml').write_text(yaml.safe_dump(p))  # a preset file
    r = study(tmp_path / 'bad.yaml', '--out', tmp_path / 'arm2', '--device', 'cpu', '--steps', 'train,generate')
    assert r.returncode != 0 and 'changed since export (1): train/000000003.png' in r.stderr and 'Traceback' not in r.stderr

def test_retrieval_arm_of_real_images(tiny, tmp_path):
    "A pool of real images from elsewhere (a folder, one sub-folder per class) is an arm like a generator's: drawn per class, not filtered, run at the synthetic ratios, with its own exchange rate; the other arms are reused."
    import shutil
    from PIL import Image
    from mousterian.data import load_dataset
    ds = load_dataset('fashion-mnist', 'train'); y = ds.y.numpy()
    pool = tmp_path / 'retrieved'
    for c, name in enumerate(ds.classes):
        (pool / name.replace('/', '_')).mkdir(parents=True)
        for i in np.where(y == c)[0][-30:]: Image.fromarray(ds.x[i, 0].numpy()).save(pool / name.replace('/', '_') / f'{i}.png')  # the split's last images
    arm = tmp_path / 'arm'; shutil.copytree(tiny[0], arm, ignore=shutil.ignore_patterns('report*', '.report*'))
    r = study('tiny', '--out', arm, '--device', 'cpu', '--set', f'{{generators: {{retrieval: {{kind: real, path: "{pool}"}}}}}}')
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-3000:]
    assert '200 real images (20 per class) drawn from' in r.stdout and 'retrieval: real images, every image kept' in r.stdout
    res, before = pd.read_csv(arm / 'sweep' / 'results.csv'), pd.read_csv(tiny[0] / 'sweep' / 'results.csv')
    for g in ('none', 'internal', 'external'): assert set(res.loc[res.generator == g, 'run_id']) == set(before.loc[before.generator == g, 'run_id'])  # reused
    assert (res.generator == 'retrieval').sum() == 4 and (arm / 'laws' / 'retrieval' / 'exchange.csv').exists()
    html = (arm / 'report.html').read_text()
    assert 'the retrieval arm, added at the synthetic ratios' in html and 'Retrieval control for' in html and 'Traceback' not in html
    # the arm's hooks: a pool stopped before its deps.json is drawn again (cut_short); one drawn with other settings is drawn
    # again without asking (settings_changed: no costly work lost), where a generator's store is refused
    (arm / 'stores' / 'retrieval' / 'deps.json').unlink()
    gen = lambda extra='': study('tiny', '--out', arm, '--device', 'cpu', '--steps', 'train,generate', '--set',
                                 f'{{generators: {{retrieval: {{kind: real, path: "{pool}"{extra}}}}}}}')
    r = gen(); assert r.returncode == 0 and r.stdout.count('drawn from') == 1 and 'settings changed' not in r.stdout, r.stdout[-2000:]
    r = gen(', seed: 1'); assert r.returncode == 0 and 'drawing the real pool again' in r.stdout and 'redoing' not in r.stdout, r.stdout[-2000:]

def test_pretrain_arm_beside_the_mixes(tiny, tmp_path):
    "He et al.'s synthetic pre-training as a study arm: at each synthetic ratio an encoder pre-trained on that many of the external arm's kept images, fine-tuned on the base set; its rows count those images as n_syn_plus and get a worth curve of their own, beside the mixes (which are reused)."
    import shutil
    arm = tmp_path / 'arm'; shutil.copytree(tiny[0], arm, ignore=shutil.ignore_patterns('report*', '.report*'))
    r = study('tiny', '--out', arm, '--device', 'cpu', '--set', '{generators: {pretrain: {kind: pretrain, of: external, iterations: 10}}}')
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-3000:]
    res, before = pd.read_csv(arm / 'sweep' / 'results.csv'), pd.read_csv(tiny[0] / 'sweep' / 'results.csv')
    for g in ('none', 'internal', 'external'): assert set(res.loc[res.generator == g, 'run_id']) == set(before.loc[before.generator == g, 'run_id'])  # reused
    pre = res[res.generator == 'pretrain']
    assert len(pre) == 4 and (pre.schedule == 'pretrain_finetune').all() and (pre.n_syn_plus == pre.n_base).all() and (pre.n_train == pre.n_base).all()
    assert (pre.keep == 'cls_keep').all() and pre['store'].isin(['stores/external', 'stores/external-s1']).all()
    encs = sorted(p.name for p in (arm / 'encoders').iterdir())
    assert len(encs) == 4 and all(e.startswith('pretrain-external') for e in encs)
    assert (arm / 'laws' / 'pretrain' / 'worth.csv').exists() and 'pretrain: ' in r.stdout
    assert set(pd.read_csv(arm / 'laws' / 'compute.csv').arm) == {'internal', 'external'}  # the repeat arm controls a mix's iterations, not pre-training's
    html = (arm / 'report.html').read_text()
    assert 'Traceback' not in html and 'pretrain' in html
    bad = study('tiny', '--out', tmp_path / 'bad', '--set', '{generators: {pretrain: {kind: pretrain, of: externl}}}')
    assert bad.returncode != 0 and "did you mean 'external'" in bad.stderr

def test_rungs_of_one_trajectory(tiny, tmp_path):
    "Two rungs of one DDPM trajectory (its EMA network at steps 10 and 20 of 20) as arms at one cell: the trajectory trains once per base draw, the rung at its end is the generator trained on its own to that step, and the report reads the ladder."
    import shutil
    arm = tmp_path / 'rungs'; shutil.copytree(tiny[0], arm, ignore=shutil.ignore_patterns('report*', '.report*'))
    rung = lambda s: f"{{kind: ddpm, preset: tiny, steps: 20, bs: 32, at_step: {s}, learns_from: base}}"
    r = study('tiny', '--out', arm, '--device', 'cpu', '--set', f"{{generators: {{r10: {rung(10)}, r20: {rung(20)}}}, grid: {{arm_bases: {{r10: [10], r20: [10]}}}}, "
              "questions: [{arm: r10, n_base_per_class: 10, r_syn: 1}, {arm: r20, n_base_per_class: 10, r_syn: 1}]}")
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-3000:]
    traj = sorted(p.name for p in (arm / 'generators').glob('ddpm-*'))
    assert len(traj) == 2 and traj[1] == traj[0] + '-s1'  # one trajectory per base draw, shared by both rungs
    for t in traj: assert sorted(p.name for p in (arm / 'generators' / t).glob('at-*')) == ['at-10', 'at-20']
    assert json.loads((arm / 'generators' / traj[0] / 'at-10' / 'train.json').read_text())['steps_done'] == 10
    assert 'keeping the rungs at steps 10, 20' in r.stdout and r.stdout.count('keeping the rungs') == 2  # trained once a draw, not once a rung
    from mousterian.store import SynStore  # the rung at the trajectory's end is the internal DDPM (same settings, trained alone to 20 steps)
    a, b = (SynStore(arm / 'stores' / s).images().to_tensors().x for s in ('r20-b10', 'internal-b10'))
    assert a.shape == b.shape and bool((a == b).all())
    a10 = SynStore(arm / 'stores' / 'r10-b10').images().to_tensors().x
    assert not bool((a10 == b).all())
    html = (arm / 'report.html').read_text()
    assert 'Worth per rung' in html and '- r10 (epsilon; 10 training steps of 20, ddpm 4;' in html and 'over the compute control (repeat)' in html and 'Traceback' not in html
