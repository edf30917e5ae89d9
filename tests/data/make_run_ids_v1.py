"""Old (v1) run ids, written by the code at commit 7131430 (before `study.plan.Run` held every setting): the params each study's grid gave sweep, and the id sweep gave it. Run at that commit: `python tests/data/make_run_ids_v1.py OUT.json` (the fixture keeps up to 3 runs per study, key set, arm and pre-training)."""
import json, tempfile, sys
from mousterian.study import Study
from mousterian.study.plan import plan_runs, generation_plan
from mousterian.sweep import run_id, WHERE
Study._filter_deps = lambda self, name, g: {'store': name}
cases = [('fmnist-cpu', None), ('fmnist-cpu-wide', None), ('tiny', None),
         ('imagenet10-paper', {'root': '/nonexistent', 'filter': {'kind': 'clip', 'q': 0.2, 'model': 'ViT-B-16', 'pretrained': 'openai'}}),
         ('tiny', {'generators': {'pre': {'kind': 'pretrain', 'of': 'external', 'method': 'supervised'}}})]
out = []
for preset, over in cases:
    s = Study(preset, tempfile.mkdtemp(), overrides=over)
    runs, _ = plan_runs(s.cfg, 100000); gp = generation_plan(s.cfg, runs)
    g = s.grid(runs, gp)
    for item in g['axes'][0]['list']:
        p = {**g['fixed'], **item}
        out.append(dict(study=preset, params={k: v for k, v in p.items() if k != WHERE}, where=p.get(WHERE), id=run_id(p)))
    print(preset, len(g['axes'][0]['list']), file=sys.stderr)
json.dump(out, open(sys.argv[1], 'w'), indent=0)
