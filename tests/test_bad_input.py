"""Bad input to every command, as a user gives it: each case ends with a non-zero exit code and one message that names the problem (and the fix), never a traceback, and nothing written before is changed.

The cases run in one fresh process (each command's own entry script through `runpy`, exactly as the console runs it), so the battery costs one import."""
import hashlib, json, os, subprocess, sys, textwrap
from pathlib import Path
import numpy as np, pandas as pd, pytest, torch

BIN = Path(sys.executable).parent

RUNNER = textwrap.dedent('''
    import sys, os, io, json, runpy, contextlib, traceback
    src, dst = sys.argv[1], sys.argv[2]
    cases, results = json.load(open(src)), []
    for c in cases:
        err, out, code = io.StringIO(), io.StringIO(), 0
        sys.argv = [c['cmd'], *c['args']]
        saved = {k: os.environ.get(k) for k in c['env']}; os.environ.update(c['env'])
        with contextlib.redirect_stderr(err), contextlib.redirect_stdout(out):
            try: runpy.run_path(os.path.join(os.path.dirname(sys.executable), c['cmd']), run_name='__main__')
            except SystemExit as e:
                code = e.code if isinstance(e.code, int) or e.code is None else 1
                if isinstance(e.code, str): err.write(e.code)
            except BaseException: traceback.print_exc(file=err); code = 'crash'
        for k, v in saved.items():
            if v is None: os.environ.pop(k, None)
            else: os.environ[k] = v
        results.append(dict(code=code or 0, stderr=err.getvalue(), stdout=out.getvalue()))
    json.dump(results, open(dst, 'w'))
''')

def fixtures(T:Path) -> dict:
    "Files the cases read: broken tables, grids and datasets, a truncated checkpoint, a cut store description, a file where a folder should be."
    from mousterian.equiv import simulate, SMALL, SPARSE
    from mousterian.store import SynStore
    T.mkdir(parents=True, exist_ok=True)
    sim = simulate(SMALL, **SPARSE, rng_seed=0)
    sim.to_csv(T / 'good.csv', index=False)
    (T / 'empty.csv').write_text('')
    (T / 'binary.csv').write_bytes(bytes(np.random.default_rng(0).integers(0, 256, 2000, dtype=np.uint8)))
    (T / 'nocols.csv').write_text('a,b\n1,2\n')
    sim.assign(acc=sim.acc + 60).to_csv(T / 'acc150.csv', index=False)
    sim.astype({'n_base': str}).assign(n_base='1/2').to_csv(T / 'ratio.csv', index=False)
    sim.assign(acc=np.where(np.arange(len(sim)) % 2, sim.acc / 100, sim.acc)).to_csv(T / 'mixed_scale.csv', index=False)
    sim[sim.n_syn_plus == 0].to_csv(T / 'real_only.csv', index=False)
    g = dict(function='mousterian.sweep:run_mix', fixed=dict(dataset='digits', iterations=5), axes=[{'product': {'n_base': [100], 'seed': [0, 1]}}])
    for name, d in dict(unknown_key={**g, 'axis': []}, no_function={k: v for k, v in g.items() if k != 'function'}, empty_grid={**g, 'axes': [{'product': {'x': []}}]}, good=g).items():
        (T / f'{name}.yaml').write_text(json.dumps(d))
    (T / 'malformed.yaml').write_text('function: [unclosed\n  fixed: {a: 1')
    (T / 'afile').write_text('a file, not a folder')
    fm = T / 'fm'; fm.mkdir()
    for s in ('train-images-idx3-ubyte', 'train-labels-idx1-ubyte', 't10k-images-idx3-ubyte', 't10k-labels-idx1-ubyte'): (fm / f'{s}.gz').write_bytes(b'not gzip at all')
    (T / 'ckpt').mkdir(); (T / 'ckpt' / 'ckpt.pt').write_bytes(b'PK\x03\x04 truncated')
    st = SynStore.create(T / 'store', ['a', 'b'], 1, 8); st.append(torch.zeros(2, 1, 8, 8, dtype=torch.uint8), [0, 1])
    cut = T / 'cutstore'; import shutil; shutil.copytree(T / 'store', cut); (cut / 'store.json').write_text((cut / 'store.json').read_text()[:40])
    # the tables of mousterian-fit a user writes by hand: percent signs, semicolons, a missing column
    sim.assign(acc=sim.acc.map(lambda v: f'{v:.1f}%')).to_csv(T / 'pct.csv', index=False)
    sim.to_csv(T / 'semi.csv', index=False, sep=';')
    sim.drop(columns='n_real_plus').to_csv(T / 'noreal.csv', index=False)
    sim.assign(acc=None).to_csv(T / 'noacc.csv', index=False); sim.head(0).to_csv(T / 'headonly.csv', index=False)  # an accuracy column empty, a header alone
    sim.assign(acc=sim.acc.map(lambda v: f'{v:.1f}'.replace('.', ','))).to_csv(T / 'comma.csv', index=False, sep=';', quoting=1)
    # datasets: an empty folder, IDX files of unequal lengths, an image folder with an empty class
    (T / 'emptydir').mkdir()
    import gzip, struct
    fl = T / 'fmlen'; fl.mkdir()
    for split, n in (('train', 5), ('t10k', 5)):
        with gzip.open(fl / f'{split}-images-idx3-ubyte.gz', 'wb') as f: f.write(b'\x00\x00\x08\x03' + struct.pack('>III', n, 28, 28) + bytes(n * 784))
        with gzip.open(fl / f'{split}-labels-idx1-ubyte.gz', 'wb') as f: f.write(b'\x00\x00\x08\x01' + struct.pack('>I', n - 1) + bytes(n - 1))
    from mousterian.data import write_image_folder
    write_image_folder(T / 'imf', ['cat', 'dog'], 2, size=8)
    for q in (T / 'imf' / 'train' / 'dog').iterdir(): q.unlink()
    # grids: a builtin function, a misspelled one, one not in module:function form, a grid whose every run fails
    for name, fn, fixed in (('builtin', 'builtins:max', {}), ('typo_fn', 'mousterian.sweep:run_mixx', {}), ('noform', 'run_mix', {}),
                            ('allfail', 'mousterian.sweep:run_mix', dict(dataset='digit', iterations=1))):
        (T / f'{name}.yaml').write_text(json.dumps(dict(function=fn, fixed=fixed, axes=[{'product': {'n_base': [20], 'seed': [0, 1]}}])))
    (T / 'finetune.yaml').write_text(json.dumps(dict(function='mousterian.pretrain:finetune_run', fixed=dict(init=None, dataset='digits', lrr=0.1), axes=[{'product': {'n_base': [20]}}])))
    # prompt files: a class whose only prompt does not name it
    from mousterian.data import dataset_classes
    cls = dataset_classes('imagenet10')
    pd.DataFrame(dict(class_name=cls, prompt=[f'a photo of a {c}' for c in cls[:-1]] + ['a photo of a farm animal'])).to_csv(T / 'prompts.csv', index=False)
    # a trained (one step) DDPM, for sampling settings it refuses
    from mousterian.gen.ddpm import mousterian_ddpm
    mousterian_ddpm('train', str(T / 'ddpm'), preset='tiny', train_steps=1, n_per_class=2, dataset='digits')
    return {}

# (command, arguments, text the message must hold[, options]); {T} is the fixtures' folder, {O} a fresh output folder of the case.
# Options: env (variables set for the case), absent (True: the case leaves no output folder {O} behind).
CASES = [
    # mousterian-data
    ('mousterian-data', ['fashion_mnist'], "Unknown dataset 'fashion_mnist'"),
    ('mousterian-data', ['fashion-mnist', '--root', '{T}/fm'], 'is not a readable IDX file'),
    ('mousterian-data', ['imagenet10', '--root', '{T}/nowhere'], 'does not exist: give the folder that holds'),
    ('mousterian-data', ['cifar10', '--root', '{T}/afile'], 'cifar'),
    ('mousterian-data', ['folder'], 'root'),
    ('mousterian-data', [], 'the following arguments are required: name'),
    ('mousterian-data', ['fashion-mnist'], '$MOUSTERIAN_FASHION_MNIST = ', dict(env={'MOUSTERIAN_FASHION_MNIST': '{T}/emptydir'})),
    ('mousterian-data', ['fashion-mnist'], 'it does not exist', dict(env={'MOUSTERIAN_FASHION_MNIST': '{T}/nowhere'})),
    ('mousterian-data', ['fashion-mnist', '--root', '{T}/emptydir'], 'root = '),
    ('mousterian-data', ['fashion-mnist', '--root', '{T}/fmlen'], 'holds 4 labels (shape (4,)) for the 5 images'),
    ('mousterian-data', ['folder', '--root', '{T}/imf'], 'hold no images (dog): add images to'),
    # mousterian-fit
    ('mousterian-fit', ['{T}/nope.csv'], 'does not exist'),
    ('mousterian-fit', ['{T}/empty.csv'], 'could not be read as a CSV table'),
    ('mousterian-fit', ['{T}/binary.csv'], 'could not be read as a CSV table'),
    ('mousterian-fit', ['{T}/nocols.csv'], 'n_base'),
    ('mousterian-fit', ['{T}/acc150.csv', '--n-boot', '5'], 'outside [0, 100] percent'),
    ('mousterian-fit', ['{T}/ratio.csv', '--n-boot', '5'], "Column n_base holds values that are not numbers, e.g. ['1/2'"),
    ('mousterian-fit', ['{T}/mixed_scale.csv', '--n-boot', '5'], 'The accuracies mix two scales'),
    ('mousterian-fit', ['{T}/real_only.csv', '--n-boot', '5'], 'No rows with synthetic images'),
    ('mousterian-fit', ['{T}/good.csv', '--n-boot', '-1'], '--n-boot must be 0 or more'),
    ('mousterian-fit', ['{T}/good.csv', '--group', 'generatr'], '--group names columns that are not in'),
    ('mousterian-fit', ['{T}/good.csv', '--e', '0'], '--e must be > 0'),
    ('mousterian-fit', ['{T}/good.csv', '--out', '{T}/afile', '--n-boot', '5'], 'afile'),
    ('mousterian-fit', ['{T}/good.csv', '--n-boot', 'many'], "invalid int value: 'many'"),
    ('mousterian-fit', ['{T}/pct.csv', '--n-boot', '5'], 'drop the %'),
    ('mousterian-fit', ['{T}/semi.csv', '--n-boot', '5'], 'Write it with commas'),
    ('mousterian-fit', ['{T}/comma.csv', '--n-boot', '5'], 'Write it with commas'),
    ('mousterian-fit', ['{T}/noreal.csv', '--n-boot', '5'], 'Add n_real_plus (0 in every row without extra real images)'),
    ('mousterian-fit', ['{T}/good.csv', '--group', 'sede'], "did you mean 'seed'?"),
    ('mousterian-fit', ['{T}/good.csv', '--group', 'arm'], '(valid: n_base, n_real_plus, n_syn_plus, seed, acc)'),
    ('mousterian-fit', ['{T}/nope.csv'], 'give a results CSV'),
    ('mousterian-fit', ['{T}/noacc.csv', '--n-boot', '5'], "the accuracy column 'acc' (read as it) holds no number in any row. Give one row per trained classifier"),
    ('mousterian-fit', ['{T}/headonly.csv', '--n-boot', '5'], "holds no number in any row"),
    # mousterian-ddpm
    ('mousterian-ddpm', ['trian', '{O}'], "did you mean 'train'?"),
    ('mousterian-ddpm', ['train', '{O}', '--train-steps', '0', '--n-per-class', '5'], 'steps must be at least 1, got 0'),
    ('mousterian-ddpm', ['train', '{O}', '--bs', '0', '--n-per-class', '5'], 'bs must be at least 1, got 0'),
    ('mousterian-ddpm', ['train', '{O}', '--ckpt-every', '0', '--n-per-class', '5'], 'ckpt_every must be at least 1, got 0'),
    ('mousterian-ddpm', ['train', '{O}', '--lr', '-1', '--n-per-class', '5'], 'lr must be > 0'),
    ('mousterian-ddpm', ['train', '{O}', '--per-class', '5'], "--per-class is not a train option (train's size is --n-per-class)"),
    ('mousterian-ddpm', ['train', '{O}', '--steps', '5'], "--steps is not a train option (train's length is --train-steps)"),
    ('mousterian-ddpm', ['sample', '{T}/ckpt', '--store', '{O}', '--n-per-class', '5'], "--n-per-class is not a sample option"),
    ('mousterian-ddpm', ['train', '{O}', '--n-per-class', '-3'], '--n-per-class must be a whole number >= 0'),
    ('mousterian-ddpm', ['train', '{O}', '--n-per-class', '7000'], '7000'),
    ('mousterian-ddpm', ['train', '{O}', '--pool', 'everything'], "pool must be 'base' or 'gen_pool'"),
    ('mousterian-ddpm', ['train', '{O}', '--preset', 'fmnist_cpu', '--n-per-class', '5'], 'fmnist_cpu'),
    ('mousterian-ddpm', ['train', '{O}', '--dataset', 'fashion_mnist'], "Unknown dataset 'fashion_mnist'"),
    ('mousterian-ddpm', ['train', '{O}', '--device', 'cuda', '--n-per-class', '5', '--train-steps', '1'], 'CUDA is not available here'),
    ('mousterian-ddpm', ['sample', '{T}/ddpm', '--store', '{O}', '--sampler', 'euler'], "Sampler 'euler' does not suit an epsilon model", dict(absent=True)),
    ('mousterian-ddpm', ['train', '{T}/ckpt', '--n-per-class', '5', '--train-steps', '2', '--preset', 'tiny'], 'is not a plain checkpoint'),
    ('mousterian-ddpm', ['train', '{T}/afile', '--n-per-class', '5', '--train-steps', '1', '--preset', 'tiny'], 'afile'),
    ('mousterian-ddpm', ['sample', '{T}/ckpt'], 'sample needs --store'),
    ('mousterian-ddpm', ['sample', '{T}/nowhere', '--store', '{O}'], 'holds no trained DDPM'),
    ('mousterian-ddpm', ['sample', '{T}/ckpt', '--store', '{O}', '--steps', '0'], 'sampling.steps must be > 0, got 0'),
    ('mousterian-ddpm', ['sample', '{T}/ckpt', '--store', '{O}', '--sampler', 'dpm'], 'holds no trained DDPM'),
    # mousterian-sweep
    ('mousterian-sweep', ['{T}/unknown_key.yaml', '{O}'], "'axis'"),
    ('mousterian-sweep', ['{T}/no_function.yaml', '{O}'], 'give one of the keys function (a dotted path'),
    ('mousterian-sweep', ['{T}/empty_grid.yaml', '{O}'], 'the axis product.x is empty'),
    ('mousterian-sweep', ['{T}/malformed.yaml', '{O}'], 'YAML'),
    ('mousterian-sweep', ['{T}/nope.yaml', '{O}'], 'nope.yaml'),
    ('mousterian-sweep', ['{T}/good.yaml', '{O}', '--mode', 'in-process'], "did you mean 'inprocess'?"),
    ('mousterian-sweep', ['{T}/good.yaml', '{O}', '--backend', 'slurm'], 'slurm'),
    ('mousterian-sweep', ['{T}/good.yaml', '{O}', '--workers', '0'], 'workers'),
    ('mousterian-sweep', ['{T}/good.yaml', '{T}/afile'], 'afile'),
    ('mousterian-sweep', ['{T}/builtin.yaml', '{T}/afile'], 'afile'),
    ('mousterian-sweep', ['{T}/typo_fn.yaml', '{O}'], "did you mean 'run_mix'?"),
    ('mousterian-sweep', ['{T}/noform.yaml', '{O}'], "is not of the form 'package.module:function'"),
    ('mousterian-sweep', ['{T}/allfail.yaml', '{O}'], "Every run failed, the first with: "),
    ('mousterian-sweep', ['{T}/allfail.yaml', '{O}'], "Unknown dataset 'digit'"),
    ('mousterian-sweep', ['{T}/malformed.yaml', '{O}'], 'line 2, column'),
    ('mousterian-sweep', ['{T}/nope.yaml', '{O}'], 'give the path of a grid YAML'),
    # mousterian-study
    ('mousterian-study', ['fmnist_cpu', '--out', '{O}'], "Unknown study 'fmnist_cpu'"),
    ('mousterian-study', ['tiny', '--out', '{T}/afile'], 'afile is a file, and a folder is needed there'),
    ('mousterian-study', ['tiny', '--out', '{O}', '--steps', ','], 'No steps to run'),
    ('mousterian-study', ['tiny', '--out', '{O}', '--steps', 'train,fit'], 'Unknown steps fit'),
    ('mousterian-study', ['tiny', '--out', '{O}', '--set', '{grid: [1'], 'invalid YAML'),
    ('mousterian-study', ['tiny', '--out', '{O}', '--set', '[1, 2]'], '--set takes a YAML mapping'),
    ('mousterian-study', ['tiny', '--out', '{O}', '--set', '{sampling: {steps: many}}'], 'sampling.steps must be a whole number'),
    ('mousterian-study', ['tiny', '--out', '{O}', '--set', '{grid: {seeds: []}}'], 'grid.seeds is empty'),
    ('mousterian-study', ['tiny', '--out', '{O}', '--set', '{filter: {q: 1.5}}'], 'filter.q must be in [0, 1)'),
    ('mousterian-study', ['tiny', '--out', '{O}', '--set', '{n_bases_per_class: [0]}'], 'n_bases_per_class must be a list of positive'),
    ('mousterian-study', ['tiny', '--out', '{O}', '--set', '{recipe: gpu}'], 'gpu'),
    ('mousterian-study', ['tiny', '--out', '{O}', '--set', '{generators: {internal: {kind: t2i, model: x}}}'], 'The internal generator is a DDPM'),
    ('mousterian-study', ['imagenet10-paper', '--out', '{O}', '--set', '{generators: {external: {templates: ["a {c}"], strategy: captions, lm: tiny}}}'], 'generators.external.templates does not act with strategy'),
    ('mousterian-study', ['imagenet10-paper', '--out', '{O}', '--set', '{generators: {external: {strength: 0.3}}}'], 'strength acts only with real_shots'),
    ('mousterian-study', ['imagenet10-paper', '--out', '{O}', '--set', '{filter: {kind: clip, q: 0.2}}'], 'kind clip needs model'),
    ('mousterian-study', ['imagenet100-paper', '--out', '{O}', '--set', '{filter: {pretrained: openia}}'], "did you mean 'openai'"),
    ('mousterian-study', ['imagenet100-paper', '--out', '{O}', '--set', '{filter: {pretrained: /no/clip.pt}}'], 'are not a file'),
    ('mousterian-study', ['fmnist-cpu', '--out', '{O}', '--set', '{image_size: 32}'], 'fashion-mnist has a size of its own: leave image_size unset'),
    ('mousterian-study', ['own', '--out', '{O}'], 'generators.external.path is not set'),
    ('mousterian-study', ['tiny', '--out', '{O}', '--set', '{generators: {Retrieval: {kind: real, path: "{T}"}}}'], "an arm's name is lower-case letters"),
    ('mousterian-study', ['tiny', '--out', '{O}', '--set', '{generators: {retrieval: {kind: real}}}'], 'generators.retrieval: give either path'),
    ('mousterian-study', ['tiny', '--out', '{O}', '--set', '{generators: {retrieval: {kind: real, dataset: fashion-mnist}}}'], "its extra real images are the real curve already"),
    ('mousterian-study', ['tiny', '--out', '{O}', '--set', '{generators: {retrieval: {kind: real, dataset: fashion_mnist}}}'], "is not a registered dataset"),
    ('mousterian-study', ['tiny', '--out', '{O}', '--set', '{generators: {retrieval: {kind: real, path: "{T}", split: test}}}'], 'split acts only with dataset'),
    ('mousterian-study', ['tiny', '--out', '{O}', '--set', '{design: {noise: 0.7}}'], 'design.noise set the seed-only design check, which the planner replaced'),
    ('mousterian-study', ['tiny', '--out', '{O}', '--set', '{design: {sd_level: 2}}'], 'design.sd_level is a one-sided confidence level'),
    ('mousterian-study', ['tiny', '--out', '{O}', '--set', '{questions: [{arm: externl, n_base_per_class: 10}]}'], "questions[0].arm: there is no arm 'externl'"),
    ('mousterian-plan', ['fmnist-cpu', '--pilot', '/nowhere'], "does not exist: give a study folder"),
    ('mousterian-plan', ['fmnist-cpu', '--budget', '1'], "is below the cheapest design's cost"),
    ('mousterian-plan', ['fmnist-cpu', '--device', 'tpu'], "device is cpu or cuda"),
    ('mousterian-plan', ['fmnist-cpu', '--device', 'cuda'], "No measured rates of a cuda device for fmnist-cpu"),
    ('mousterian-study', ['tiny', '--out', '{O}', '--set', '{grid: {arm_bases: {internl: [10]}}}'], "there is no arm 'internl'"),
    ('mousterian-study', ['tiny', '--out', '{O}', '--set', '{grid: {arm_bases: {internal: [15]}}}'], "must be a non-empty list of the study's base sizes [10, 20]"),
    ('mousterian-study', ['tiny', '--out', '{O}', '--set', '{grid: {arm_bases: {internal: []}}}'], "must be a non-empty list"),
    ('mousterian-study', ['tiny', '--out', '{T}/afile', '--steps', 'train'], 'afile'),
    ('mousterian-study', ['tiny', '--out', '{O}', '--redo', 'grid'], '--redo takes train and/or generate'),
    ('mousterian-study', ['tiny', '--out', '{O}', '--set', '{grid: {split_seeds: [0, 0]}}'], 'split_seeds must be distinct whole numbers'),
    ('mousterian-study', ['tiny', '--out', '{O}', '--set', '{grid: {split_seeds: [0, 1, 2]}}'], 'pair_seeds zips split_seeds and seeds'),
    ('mousterian-study', ['tiny', '--out', '{O}', '--set', '{grid: {arm_syn: {repeet: [1]}}}'], "grid.arm_syn.repeet: there is no arm 'repeet'"),
    ('mousterian-study', ['tiny', '--out', '{O}', '--set', '{fit: {read_at: {r_syn: 3}}}'], 'fit.read_at r_syn = 3 is not a ratio the grid measures'),
    ('mousterian-study', ['tiny', '--out', '{O}', '--set', '{fit: {read_at: {rsyn: 1}}}'], 'fit.read_at declares one reading'),
    ('mousterian-study', ['tiny', '--out', '{O}', '--set', '{generators: {internal: null, external: null}}'], 'generators.internal.kind is None'),
    ('mousterian-study', ['{T}/malformed.yaml', '--out', '{O}'], 'is not valid YAML (line 2, column'),
    ('mousterian-study', ['tiny', '--out', '{O}', '--set', '{grid: [1'], 'line 1, column'),
    # mousterian-generate
    ('mousterian-generate', ['{T}/nowhere', '{O}'], 'nowhere'),
    ('mousterian-generate', ['{T}/ddpm', '{O}'], 'is a DDPM (DDPMPipeline), not a text-to-image pipeline: sample it with mousterian-ddpm sample'),
    ('mousterian-generate', ['{T}/nowhere', '{O}', '--dataset', 'imagenet_10'], 'imagenet_10'),
    ('mousterian-generate', ['{T}/nowhere', '{O}', '--strategy', 'captionz'], 'captionz'),
    ('mousterian-generate', ['{T}/nowhere', '{O}', '--lm', 'tiny'], '--lm does not act with --strategy template'),
    ('mousterian-generate', ['{T}/nowhere', '{O}', '--strategy', 'le', '--template', 'a {c}'], '--template does not act with --strategy le'),
    ('mousterian-generate', ['{T}/nowhere', '{O}', '--template', 'a photo of a pet'], 'prompts do not name their class'),
    ('mousterian-generate', ['{T}/nowhere', '{O}', '--strategy', 'file', '--prompt-file', '{T}/prompts.csv'], "no prompt for 1 class(es) names its class (pig"),
    ('mousterian-generate', ['{T}/nowhere', '{O}', '--strategy', 'file', '--prompt-file', '{T}/nope.csv'], 'give a CSV with the columns class_name and prompt'),
    # mousterian-store
    ('mousterian-store', ['exprot', '{T}/store', '{O}'], "did you mean 'export'?"),
    ('mousterian-store', ['export', '{T}/afile', '{O}'], 'is neither a store'),
    ('mousterian-store', ['export', '{T}/store'], 'export needs a destination folder'),
    ('mousterian-store', ['export', '{T}/store', '{T}/fm'], 'exists and is not an empty folder'),
    ('mousterian-store', ['export', '{T}/cutstore', '{O}'], 'store.json is truncated or not JSON'),
    ('mousterian-store', ['verify', '{T}/store'], 'is not an export'),
    ('mousterian-store', ['import', '{T}/store', '{O}'], 'is not a store export'),
    # the review of session 14: bad inputs of kinds not above
    ('mousterian-fit', ['{T}/afile'], 'Add n_base (the real base images of each run)'),
    ('mousterian-fit', ['{T}/emptydir'], "is a folder but not a study's (no study.json)"),
    ('mousterian-study', ['tiny', '--out', '{O}', '--set', '{grid: {seeds: [0.5]}}'], 'grid.seeds[0] must be a whole number'),
    ('mousterian-study', ['tiny', '--out', '{O}', '--set', '{grid: {seeds: [0, 0]}}'], 'grid.seeds repeats a seed ([0, 0]): a seed names one run'),
    ('mousterian-study', ['tiny', '--out', '{O}', '--set', '{n_bases_per_class: [10000], questions: [{arm: external, n_base_per_class: 10000}]}'], 'No classifier of this study fits the data'),
    ('mousterian-study', ['tiny', '--out', '{O}', '--set', '{recipe: {lr: -1}}'], 'its fields in recipe_overrides'),
    ('mousterian-study', ['tiny', '--out', '{O}', '--workers', '0'], '--workers must be a whole number >= 1, got 0'),
    ('mousterian-study', ['tiny', '--out', '{O}', '--steps', 'report'], 'has no grid results yet: the report reads them. Run the study'),
    ('mousterian-study', ['tiny', '--out', '{O}', '--steps', 'grid'], 'The grid draws from stores that are not there yet'),
    ('mousterian-study', ['tiny', '--out', '{O}', '--device', 'cuda'], 'CUDA is not available here'),
    ('mousterian-study', ['tiny', '--out', '{O}', '--set', '{sampling: {sampler: euler}}'], "sampling.sampler 'euler' does not suit generators.internal"),
    ('mousterian-study', ['tiny', '--out', '{O}', '--set', '{grid: {n_syn: [1]}}'], "'n_syn' is not a grid setting; did you mean 'syn'?"),
    ('mousterian-study', ['{T}/nowhere.yaml', '--out', '{O}'], 'or the path of a YAML file'),
    ('mousterian-ddpm', ['train', '{O}', '--dataset', 'folder'], "The 'folder' dataset needs root=..."),
    ('mousterian-ddpm', ['train', '{O}', '--n-per-class', '2', '--train-steps', '1'], "Unknown device 'gpu'", dict(env={'MOUSTERIAN_DEVICE': 'gpu'})),
    ('mousterian-ddpm', ['sample', '{T}/ddpm', '--store', '{T}/store'], 'already holds a store of another shape'),
    ('mousterian-ddpm', ['sample', '{T}/ddpm', '--store', '{O}', '--per-class', '-1'], 'per_class must be a whole number >= 0, got -1'),
    ('mousterian-ddpm', ['sample', '{T}/ddpm', '--store', '{O}', '--guidance', '-1', '--per-class', '1'], 'guidance must be >= 0', dict(absent=True)),
    ('mousterian-ddpm', ['sample', '{T}/ddpm', '--store', '{O}', '--steps', '100000', '--per-class', '1'], 'more than the 1000 noise levels', dict(absent=True)),
    ('mousterian-ddpm', ['sample', '{T}/ddpm', '--store', '{O}', '--bs', '0', '--per-class', '1'], 'sampling.bs must be > 0, got 0', dict(absent=True)),
    ('mousterian-generate', ['{T}/nowhere', '{O}', '--per-class', '0'], '--per-class must be at least 1, got 0'),
    ('mousterian-generate', ['{T}/nowhere', '{O}', '--images-per-prompt', '0'], '--images-per-prompt must be at least 1, got 0'),
    ('mousterian-generate', ['{T}/emptydir', '{O}'], 'is not a diffusers pipeline folder (no model_index.json)'),
    ('mousterian-store', ['export', '{T}/ddpm', '{T}/afile'], 'exists and is not an empty folder'),
    ('mousterian-store', ['verify', '{T}/nowhere'], 'give the folder `mousterian-store export` wrote'),
    ('mousterian-store', ['import', '{T}/nowhere', '{O}'], 'make one with `mousterian-store export STORE OUT`'),
    ('mousterian-sweep', ['{T}/good.yaml', '{O}', '--threads', '0'], 'workers and threads must be at least 1'),
    ('mousterian-sweep', ['{T}/good.yaml', '{O}', '--backend', 'ray', '--gpus', '1'], 'no run could start. Use --gpus 0 here'),
    ('mousterian-data', ['cifar10', '--root', '{T}/emptydir'], "Put torchvision's cifar-10-batches-py/ under root"),
    ('mousterian-data', ['imagenet10', '--root', '{T}/imf'], 'lacks 10 of the 10 class folders'),
    ('mousterian-pretrain', ['{T}/store', '{O}', '--method', 'mocov2'], "did you mean 'moco'"),
    ('mousterian-pretrain', ['{T}/afile', '{O}'], 'is not a synthetic store'),
    ('mousterian-pretrain', ['{T}/store', '{O}', '--per-class', '100000'], 'Lower per_class'),
    ('mousterian-pretrain', ['{T}/store', '{O}', '--arch', 'resnet5'], "did you mean 'resnet50'"),
    ('mousterian-pretrain', ['{T}/store', '{O}', '--iterations', '0'], 'iterations must be > 0'),
    ('mousterian-sweep', ['{T}/finetune.yaml', '{O}'], "'lrr' is not a parameter of finetune_run; did you mean 'lr'"),
]

def _opts(case) -> dict: return case[3] if len(case) > 3 else {}

def _tree_hash(d:Path) -> dict:
    return {str(p.relative_to(d)): hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(d.rglob('*')) if p.is_file()}

@pytest.fixture(scope='module')
def battery(tmp_path_factory):
    T = tmp_path_factory.mktemp('bad'); fixtures(T / 'in')
    before = _tree_hash(T / 'in')
    sub = lambda a, i: a.replace('{T}', str(T / 'in')).replace('{O}', str(T / 'out' / str(i)))
    cases = [dict(cmd=c[0], args=[sub(a, i) for a in c[1]], env={k: sub(v, i) for k, v in _opts(c).get('env', {}).items()}) for i, c in enumerate(CASES)]
    (T / 'cases.json').write_text(json.dumps(cases))
    env = {**os.environ, 'MOUSTERIAN_PROGRESS': '0', 'MOUSTERIAN_DEVICE': 'cpu', 'CUDA_VISIBLE_DEVICES': ''}
    r = subprocess.run([sys.executable, '-c', RUNNER, str(T / 'cases.json'), str(T / 'results.json')], capture_output=True, text=True, timeout=1200, env=env, cwd=T)
    assert r.returncode == 0, r.stderr[-3000:]
    return json.loads((T / 'results.json').read_text()), before, _tree_hash(T / 'in'), T

def test_battery_size(): assert len(CASES) >= 60

@pytest.mark.parametrize('i', range(len(CASES)), ids=[f"{c[0]}-{' '.join(c[1])[:40]}" for c in CASES])
def test_bad_input(battery, i):
    res, _, _, T = battery
    cmd, args, want = CASES[i][:3]; r = res[i]
    assert r['code'] not in (0, 'crash'), f"exit {r['code']}: {r['stderr'][-1500:]}"
    assert 'Traceback' not in r['stderr'], r['stderr'][-2000:]
    assert want in r['stderr'], r['stderr'][-1500:]
    assert 'unexpected' not in r['stderr'], r['stderr'][-1500:]  # errors of our own are never 'unexpected ... please report it'
    if _opts(CASES[i]).get('absent'): assert not (T / 'out' / str(i)).exists(), f"the refused case left {T / 'out' / str(i)} behind"
    last = [l for l in r['stderr'].strip().splitlines() if l.strip()]
    assert last and (last[-1].startswith('error:') or 'error:' in last[-1]), r['stderr'][-1500:]

def test_nothing_written_before_is_changed(battery):
    _, before, after, _ = battery
    assert before == after

# The library's own gates, where data enter a computation (no command in between)

def _store_with(T:Path, n:int=40):
    from mousterian.store import SynStore
    from mousterian.data import load_dataset
    ds = load_dataset('digits')
    st = SynStore.create(T / 'store', ds.classes, 1, list(ds.shape[1:]))
    st.append(torch.zeros(n, *ds.shape, dtype=torch.uint8), [i % 10 for i in range(n)])
    return st, ds

@pytest.mark.parametrize('damage', ['size', 'channels', 'label', 'class_name'])
def test_store_gate(tmp_path, damage):
    "A store image of the wrong size or channels, or a row whose label is not one of its classes, is refused where the store is read for a mix (and by counts and summary), naming the file and the fix; the store is not changed by the refusal; bad='drop' leaves bad rows out and says how many."
    from PIL import Image
    from mousterian.core import MousterianError
    from mousterian.mix import MixSpec, build_mix
    from mousterian.store import SynStore
    st, ds = _store_with(tmp_path)
    m = st.manifest(); f = st.path / m['file'][3]
    if damage == 'size': Image.new('L', (12, 12)).save(f)
    elif damage == 'channels': Image.new('RGB', (8, 8)).save(f)
    else:
        p = st._parts()[0]; t = pd.read_parquet(p)
        if damage == 'label': t.loc[5, 'label'] = 12
        else: t.loc[5, 'class_name'] = '7'
        t.to_parquet(p, index=False)
    before = _tree_hash(tmp_path)
    spec = MixSpec(dataset='digits', n_base=50, n_syn_plus=20, store=str(st.path))
    with pytest.raises(MousterianError) as e: build_mix(spec)
    msg = str(e.value)
    if damage in ('size', 'channels'):
        assert m['file'][3] in msg and 'never resized or converted' in msg and 'validate()' in msg, msg
        assert f"image of shape {(1, 12, 12) if damage == 'size' else (3, 8, 8)}" in msg, msg
    else:
        assert m['file'][5] in msg and 'Delete manifest/part-000000000.parquet' in msg and "bad='drop'" in msg, msg
        s2 = SynStore(st.path)
        for read in (s2.counts, s2.summary, s2.images):
            with pytest.raises(MousterianError, match='not one of its 10 classes'): read()
        with pytest.warns(UserWarning, match=r'left out of this read \(39 of 40 rows kept\)'): c = s2.counts(bad='drop')
        assert c.sum() == 39
        assert s2.validate(raise_error=False)['bad_labels'] == [m['file'][5]]
    assert _tree_hash(tmp_path) == before

def test_store_append_and_mix_agree(tmp_path):
    "What `append` refuses (an image of another shape), a mix refuses too: both name the shape."
    from mousterian.core import MousterianError
    st, ds = _store_with(tmp_path, 10)
    with pytest.raises(MousterianError, match=r'does not fit the store.*resize it to 8x8 pixels'): st.append(torch.zeros(1, 1, 12, 12, dtype=torch.uint8), [0])
    with pytest.raises(MousterianError, match=r'outside the store.*give class indices from 0 to 9'): st.append(torch.zeros(1, 1, 8, 8, dtype=torch.uint8), [10])

def test_model_labels_name_the_range():
    "Labels outside a DDPM's classes are refused with the valid range as the fix."
    from mousterian.core import MousterianError
    from mousterian.gen.ddpm import ddpm_config, sample
    cfg = ddpm_config('tiny'); unet = cfg.unet().eval()
    with pytest.raises(MousterianError, match=r"outside the model's 10 classes: give class indices from 0 to 9"): sample(unet, cfg, [10], [0], steps=2, device='cpu')

def test_store_of_other_classes(tmp_path):
    from mousterian.core import MousterianError
    from mousterian.mix import MixSpec, build_mix
    from mousterian.store import SynStore
    st = SynStore.create(tmp_path / 's', list('abcdefghij'), 1, [8, 8]); st.append(torch.zeros(10, 1, 8, 8, dtype=torch.uint8), list(range(10)))
    with pytest.raises(MousterianError, match=r"label 0 is 'a' there, '0' in digits.*Use images generated for digits"):
        build_mix(MixSpec(dataset='digits', n_base=50, n_syn_plus=10, store=str(st.path)))

def test_run_mix_folder_without_image_size(tmp_path):
    from mousterian.core import MousterianError
    from mousterian.data import write_image_folder
    from mousterian.learn import run_mix
    write_image_folder(tmp_path / 'f', ['a', 'b'], 3, size=8)
    with pytest.raises(MousterianError, match=r'set image_size \(run_mix\(image_size=64\)'):
        run_mix(4, dataset='folder', root=str(tmp_path / 'f'), iterations=1, device='cpu')

def test_limits_advice_holds_for_every_class():
    "The advice a refusal gives is computed from the smallest class: following it succeeds (digits' classes hold 174 to 183 images)."
    import re
    from mousterian.core import MousterianError
    from mousterian.data import Splits, load_dataset
    from mousterian.mix import MixSpec, build_mix
    ds = load_dataset('digits'); tr = ds.y.numpy()
    with pytest.raises(MousterianError) as e: Splits(dataset='digits', n_base_per_class=182).indices(tr, tr, ds.classes)
    n = int(re.search(r'at most (\d+) per class in all', str(e.value)).group(1))
    assert n == np.bincount(tr).min(), str(e.value)
    Splits(dataset='digits', n_base_per_class=n).indices(tr, tr, ds.classes)  # the advice works
    with pytest.raises(MousterianError) as e: build_mix(MixSpec(dataset='digits', n_base=100, n_real_plus=1790))
    n = int(re.search(r'at most n_real_plus = (\d+) in total', str(e.value)).group(1))
    build_mix(MixSpec(dataset='digits', n_base=100, n_real_plus=n))
