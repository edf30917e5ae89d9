"""What does the study's filter cost when several generators learned one base set? Side by side in one run
(`make bench-filter-share`, about 8 minutes on 2 AVX-512 cores): fmnist-quality's five stores of one base draw (five generators,
each trained on the same 5,000 base images) filtered as `Study.filter` did before (a classifier trained afresh for each store,
seed 0 each time) and as it does now (one classifier trained on the base set, handed to each store: `filter.filter_classifier`),
with the study's classifier recipe. The masks of both ways are compared image for image, and the two classifiers' weights.
Without --study the stores hold Fashion-MNIST test images (6,250 each, as many as a rung's store: the classifier's training, the
cost that is shared, does not depend on them); with --study DIR they are copies of that study's first-draw stores, whose recorded
masks are compared too. Writes bench/results/filter_share.json."""
import argparse, json, shutil, tempfile, time
from pathlib import Path
import numpy as np, torch
torch.set_num_threads(2)
from mousterian.core import run_meta
from mousterian.benchmarks import calibrate
from mousterian.data import Splits, load_dataset, dataset_classes
from mousterian.mix import store_from_images
from mousterian.store import SynStore
from mousterian.learn import get_recipe
from mousterian.study.config import study_config, recorded_study
from mousterian.study.plan import keep_column, filter_q, plan_runs, generation_plan
from mousterian.filter import filter_classifier, trained_classifier_filter
from bench import save_result

N_STORES, PER_STORE = 5, 6250

def stores(tmp:Path, study:Path|None) -> tuple:
    "(the stores, the mask each recorded or None, the base draw's split seed, the study's settings)."
    c = recorded_study(json.loads((study / 'study.json').read_text())) if study else study_config('fmnist-quality')
    seed = c.grid.split_seeds[0] if c.grid.split_seeds else c.split_seed
    if study is None:
        test = load_dataset('fashion-mnist', 'test')
        return [store_from_images(tmp / f's{i}', test.subset(np.arange(i * 1000, i * 1000 + PER_STORE) % len(test)))
                for i in range(N_STORES)], [None] * N_STORES, seed, c
    gp = generation_plan(c, plan_runs(c, n_classes=len(dataset_classes(c.dataset, c.root)))[0])
    names = [n for n, g in gp.items() if g['draw'] == 0 and filter_q(c, g['generator']) > 0]
    col = keep_column(c)
    out = [SynStore(shutil.copytree(study / 'stores' / n, tmp / n)) for n in names]
    return out, [st.manifest()[col].to_numpy(bool) for st in out], seed, c

if __name__ == '__main__':
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--study', type=Path, help="a finished study folder (e.g. study/fmnist-quality): its first draw's filtered stores")
    a = ap.parse_args()
    if a.study is not None and not (a.study / 'study.json').exists():
        ap.error(f"{a.study} holds no study.json: give a study folder mousterian-study wrote, or leave --study out.")
    cal = calibrate(); print(f"host calibration: {cal}", flush=True)
    with tempfile.TemporaryDirectory() as tmp:
        sts, recorded, seed, c = stores(Path(tmp), a.study)
        data = Splits(c.dataset, c.n_bases_per_class[0], 0, 0, seed=seed).load()['base'].to_tensors()
        rc = get_recipe(c.recipe, **c.recipe_overrides)
        t = time.perf_counter(); afresh, clfs = [], []
        for st in sts:  # before: one classifier a store
            clfs.append(filter_classifier(data, rc, 'cpu'))
            afresh.append(trained_classifier_filter(st, data, rc, device='cpu', model=clfs[-1]))
        before = time.perf_counter() - t
        t = time.perf_counter(); clf = filter_classifier(data, rc, 'cpu')  # now: one classifier for the base set
        shared = [trained_classifier_filter(st, data, rc, device='cpu', model=clf) for st in sts]
        now = time.perf_counter() - t
    same_w = all(torch.equal(x, y) for m in clfs for x, y in zip(m.state_dict().values(), clf.state_dict().values()))
    same = [bool((x == y).all()) for x, y in zip(afresh, shared)]
    same_rec = [None if r is None else bool((r == y).all()) for r, y in zip(recorded, shared)]
    res = dict(calibration=cal, cpu_capability=torch.backends.cpu.get_cpu_capability(), stores=len(sts),
               images=[len(x) for x in shared], train_images=len(data), iterations=rc.iterations_for(len(data)),
               source=str(a.study) if a.study else 'Fashion-MNIST test images', seconds_each_store_its_own=round(before, 1),
               seconds_one_classifier=round(now, 1), ratio=round(now / before, 3), same_weights=same_w,
               masks_same=same, masks_same_as_recorded=same_rec)
    print(f"{len(sts)} stores of one base draw ({len(data):,} training images, {res['iterations']:,} iterations): a classifier "
          f"for each store {before:.0f} s, one for them all {now:.0f} s (x{now / before:.2f}); the same weights: {same_w}; "
          f"the same masks: {all(same)}" + (f"; as the study recorded them: {all(same_rec)}" if a.study else ''))
    save_result(dict(res, meta=run_meta()), 'filter_share.json')
