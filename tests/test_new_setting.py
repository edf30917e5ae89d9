"""A new per-run setting goes in one place (issue #54): a copy of the package gains one (the classifier's label smoothing,
set in a study's grid) by the edits below, and the setting is then planned, priced, run through the grid and carried
into the results, while every run that does not set it keeps its id. The test fails when adding a setting needs more
library files than `EDITS` names, or when the edits no longer fit the code: then this test, and the architecture page
(nbs/architecture.ipynb, "A new per-run setting"), say how it is done now."""
import json, os, shutil, subprocess, sys, textwrap
from pathlib import Path
ROOT = Path(__file__).resolve().parents[1]

# the edits that add it: (library file, a line there today, what it becomes)
CAP = "    cap_syn_per_class:int|None=None # the largest n_syn+ per class any run asks for\n"
PRE = "    pretrain:dict|None = None\n"
BUDGET = "                budget=rc.budget_rule() if rc.budget == 'smooth' else None)\n"
EDITS = [
    # where a user sets it: the study's grid
    ('study/config.py', CAP, CAP + "    label_smoothing:float|None=None # the classifier's label smoothing in every run (None: the recipe's)\n"),
    # the run's field (a recipe field: it reaches the classifier), and the study filling it for every run
    ('study/plan.py', PRE, PRE + "    label_smoothing:float|None = field(default=None, metadata=_RECIPE)\n"),
    ('study/plan.py', BUDGET, BUDGET[:-2] + ", label_smoothing=c.grid.label_smoothing)\n"),
]

CHECK = textwrap.dedent('''
    import json, sys, os
    from pathlib import Path
    from mousterian.study import Study, study_config, plan_runs, design_minutes, pilot_rates, read_pilots
    from mousterian.sweep import sweep
    out = Path(sys.argv[1])
    plain, ls = study_config('tiny'), study_config('tiny', {'grid': {'label_smoothing': 0.3}})
    rp, rl = plan_runs(plain, 100000, 10)[0], plan_runs(ls, 100000, 10)[0]
    assert all(r.label_smoothing == 0.3 and r.classifier_recipe().label_smoothing == 0.3 for r in rl)
    assert not {r.id for r in rp} & {r.id for r in rl}  # a run that sets it is another run
    minutes = design_minutes(ls, pilot_rates(read_pilots(ls.design.pilot)), 10)['total']  # the planner prices it
    st = Study(ls.to_dict(), out / 'study')
    base = [r for r in rl if r.generator == 'none' and r.r_real == 0][:1]  # one run of the grid, the base set alone
    df = sweep(st.grid(base, {}), st.sweep_dir, workers=1, threads=2)
    row = df.iloc[0]
    json.dump(dict(plain_ids=sorted(r.id for r in rp), minutes=minutes, label_smoothing=float(row.label_smoothing),
                   recipe_overrides=json.loads(row.recipe_overrides), acc=float(row.acc)), open(out / 'seen.json', 'w'))
''')

def test_a_new_per_run_setting_is_one_place(tmp_path):
    pkg = tmp_path / 'mousterian'
    shutil.copytree(ROOT / 'mousterian', pkg, ignore=shutil.ignore_patterns('__pycache__'))
    for f, at, new in EDITS:
        p = pkg / f; s = p.read_text()
        assert s.count(at) == 1, f"mousterian/{f} no longer holds {at.strip()!r}: update this test to how a setting is added now"
        p.write_text(s.replace(at, new))
    assert len({f for f, _, _ in EDITS}) <= 3
    (tmp_path / 'check.py').write_text(CHECK)
    env = dict(os.environ, PYTHONPATH=str(tmp_path), MOUSTERIAN_PROGRESS='0')
    r = subprocess.run([sys.executable, str(tmp_path / 'check.py'), str(tmp_path)], env=env, capture_output=True, text=True,
                       timeout=900)
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-3000:]
    seen = json.loads((tmp_path / 'seen.json').read_text())
    # the grid ran it and the result row carries it; the recipe the classifier trained with has it
    assert seen['label_smoothing'] == 0.3 and seen['recipe_overrides'].get('label_smoothing') == 0.3 and 0 <= seen['acc'] <= 100
    assert seen['minutes'] > 0
    # every run that does not set it keeps the id this checkout's package gives it
    sys.path.insert(0, str(ROOT))
    from mousterian.study import study_config, plan_runs
    assert seen['plain_ids'] == sorted(r.id for r in plan_runs(study_config('tiny'), 100000, 10)[0])
