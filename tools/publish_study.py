"""Copy a finished study's small outputs (figures, tables, laws, timings, the executed report) into bench/results/study-<name>/,
where the home page and the docs site read them, and, for the default study (fmnist-cpu), write its headline into the README:
`python tools/publish_study.py study/fmnist-cpu` (`--readme-only` rewrites the README's headline, and the ladder's table once
study-fmnist-quality is published, from what is published;
`--refit NAME` rebuilds a study folder from the published copy bench/results/study-NAME, reruns its laws and report steps on the
published runs, no training, and publishes the result: for when the analysis changes and the runs do not; `--relative NAME`
rewrites the paths of a copy published before they were relative; `--compare NAME...` refits without publishing and says
whether every table comes out as published). A copy that names this machine's folders, or was made
from uncommitted code, is refused."""
import re, shutil, sys
from pathlib import Path
ROOT = Path(__file__).resolve().parents[1]
README_STUDY = 'fmnist-cpu'  # the study whose headline the README shows
LADDER = 'fmnist-quality'  # the generator ladder at its primary's cell, once published: whether the disagreement with Table 3 holds at its best rung
MARK = re.compile(r'(<!-- study-headline -->\n).*?(\n<!-- /study-headline -->)', re.S)
LADDER_MARK = re.compile(r'(<!-- ladder -->\n).*?(\n<!-- /ladder -->)', re.S)  # the ladder's table, contrasts and screen

def readme_headline(published:Path) -> str:
    "The README with its headline block written from the published study."
    from mousterian.study import study_glance
    s = (ROOT / 'README.md').read_text()
    if not MARK.search(s): sys.exit("README.md has no <!-- study-headline --> ... <!-- /study-headline --> block to write the headline into.")
    lad = published.parent / f'study-{LADDER}'
    on = (lad / 'questions.csv').exists()
    s = MARK.sub(lambda m: m[1] + study_glance(published, ladder=lad if on else None) + m[2], s)
    if on:
        from mousterian.study import ladder_table
        if not LADDER_MARK.search(s): sys.exit(f"README.md has no <!-- ladder --> ... <!-- /ladder --> block to write {lad.name}'s table into.")
        s = LADDER_MARK.sub(lambda m: m[1] + ladder_table(lad) + m[2], s)
    return s

def travels(src:Path, dst:Path, runs_clean:bool=True) -> list:
    """What keeps a published copy from travelling: a file naming this machine's folders (the study's, the checkout's,
    the home folder), a checkout with uncommitted changes, runs recorded at a '+dirty' commit (`runs_clean`)."""
    import pandas as pd
    from mousterian.core import git_commit
    bad, here = [], {str(src.resolve()), str(ROOT), str(Path.home())}
    for f in sorted(dst.iterdir()):
        if f.suffix in ('.json', '.csv', '.ipynb', '.md', '.txt') and (hit := next((h for h in here if h in f.read_text(errors='ignore')), None)):
            bad.append(f"{f.name} names {hit}")
    if (c := git_commit(ROOT)) is None or c.endswith('+dirty'): bad.append(f"the checkout is at {c}: commit first, so that the files record a commit that reproduces them")
    if runs_clean and (dst / 'results.csv').exists():
        dirty = sorted({c for c in pd.read_csv(dst / 'results.csv').get('git_commit', pd.Series(dtype=str)).dropna() if str(c).endswith('+dirty')})
        if dirty: bad.append(f"its runs were made at {', '.join(dirty[:2])}: run the study again from a clean commit (a fresh --out)")
    return bad

def publish(src:Path, runs_clean:bool=True):
    if not (src / 'report.ipynb').exists(): sys.exit(f"{src} has no report.ipynb: run the study to the end first.")
    from mousterian.core import atomic_folder
    final = ROOT / 'bench' / 'results' / f'study-{src.name}'
    with atomic_folder(final) as dst:  # the copy before is replaced only by a whole one that travels
        for f in ['study.json', 'metrics.json', 'timings.json', 'report.ipynb', 'sweep/results.csv', 'design.json', 'plan.json', 'plan.png']:
            # a study from before the design step has no design.json, one from before the planner no plan.json
            if f in ('study.json', 'metrics.json', 'timings.json', 'report.ipynb', 'sweep/results.csv') or (src / f).exists():
                shutil.copy(src / f, dst / Path(f).name)
        for f in (src / 'figures').glob('*.png'): shutil.copy(f, dst / f.name)
        for d in (src / 'laws').glob('*'):
            if d.is_dir():
                for f in ('law.json', 'exchange.csv', 'equivalence.csv'): shutil.copy(d / f, dst / f'{d.name}_{f}')
                for f in ('worth.csv', 'worth.png'):  # the worth curve (a laws step older than it wrote none)
                    if (d / f).exists(): shutil.copy(d / f, dst / f'{d.name}_{f}')
        for f in ('findings.csv', 'compute.csv', 'variance.csv', 'questions.csv'):  # the findings per base size, the compute control, the gains' variance components, the declared family (a laws step older than them wrote none)
            if (src / 'laws' / f).exists(): shutil.copy(src / 'laws' / f, dst / f)
        for d in (src / 'generators').glob('*'): shutil.copy(d / 'train.json', dst / f'generator_{d.name}.json')
        if (bad := travels(src, dst, runs_clean)):
            sys.exit(f"not published (a published study must travel): {'; '.join(bad)}.")
    print(f"published {src} -> {final.relative_to(ROOT)} ({sum(f.stat().st_size for f in final.iterdir()) / 1024:.0f} KB)")
    return final

def refit(name:str) -> Path:
    "A study folder rebuilt from its published copy, with the laws and report steps rerun on the published runs."
    import json, os, tempfile
    from mousterian.study import Study
    pub = ROOT / 'bench' / 'results' / f'study-{name}'
    if not (pub / 'results.csv').exists():
        have = sorted(d.name.removeprefix('study-') for d in pub.parent.glob('study-*') if (d / 'results.csv').exists())
        sys.exit(f"{pub} holds no published study (no results.csv): give one of {', '.join(have)}.")
    src = Path(tempfile.mkdtemp()) / name
    for f, to in [('study.json', 'study.json'), ('metrics.json', 'metrics.json'), ('timings.json', 'timings.json'), ('results.csv', 'sweep/results.csv'), ('samples.png', 'figures/samples.png'), ('design.json', 'design.json'), ('plan.json', 'plan.json'), ('plan.png', 'plan.png')]:
        if (pub / f).exists() or f not in ('design.json', 'plan.json', 'plan.png'): (src / to).parent.mkdir(parents=True, exist_ok=True); shutil.copy(pub / f, src / to)
    for f in pub.glob('generator_*.json'):
        (src / 'generators' / f.stem[len('generator_'):]).mkdir(parents=True, exist_ok=True); shutil.copy(f, src / 'generators' / f.stem[len('generator_'):] / 'train.json')
    os.environ['MOUSTERIAN_PROGRESS'] = '0'
    from mousterian.study import legacy_free  # a study.json from before the planner records the seed-only design check's settings
    st = Study(legacy_free(json.loads((src / 'study.json').read_text())), src)
    st.laws(); st.report(force=True)
    return src

def compare(name:str) -> list:
    """Refit the published study `name` with this checkout's code (`refit`, into a temporary folder: nothing is published) and
    compare its tables with the published ones byte for byte; the names of those that differ (a law.json's record of the
    commit and time that made it is left out of the comparison)."""
    import json, filecmp
    pub, src = ROOT / 'bench' / 'results' / f'study-{name}', refit(name)
    pairs = [(src / 'laws' / f, pub / f) for f in ('findings.csv', 'compute.csv', 'variance.csv', 'questions.csv')]
    pairs += [(d / f, pub / f'{d.name}_{f}') for d in sorted((src / 'laws').glob('*')) if d.is_dir()
              for f in ('law.json', 'exchange.csv', 'equivalence.csv', 'worth.csv')]
    law = lambda f: {k: v for k, v in json.loads(f.read_text()).items() if k != 'meta'}
    same = lambda a, b: (law(a) == law(b)) if a.suffix == '.json' else filecmp.cmp(a, b, shallow=False)
    diff = [b.name for a, b in pairs if a.exists() != b.exists() or (a.exists() and not same(a, b))]
    print(f"{name}: {sum(a.exists() for a, _ in pairs) - len(diff)} tables as published, byte for byte"
          + (f"; differ: {', '.join(diff)}" if diff else ''))
    return diff

def relative(pub:Path, checkout:str='/work/main'):
    """A copy published before paths were relative: every path of the checkout that made it rewritten inside the study
    folder (its stores, generators, report), a shipped pilot by its name. Its runs' recorded commits are left as they
    were: only a run from a clean commit gives a clean one."""
    import re
    study = re.escape(checkout) + r'/study/[^/"\s,\\]+'  # a study folder's path, up to a quote, space, comma or backslash
    rules = [(re.escape(checkout) + r'/mousterian/assets/experiments/study_report\.ipynb', 'study_report.ipynb'),
             (study + r'/\.report\.tmp\.ipynb', 'report.ipynb'),
             (re.escape(checkout) + r'/mousterian/assets/pilots/([\w.-]+)', r'shipped pilot \1'),
             (study + '/', ''), (study, '.')]
    for f in sorted(pub.iterdir()):
        if f.suffix not in ('.json', '.csv', '.ipynb'): continue
        s = t = f.read_text()
        for a, b in rules: t = re.sub(a, b, t)
        if t != s: f.write_text(t); print(f"{f.relative_to(ROOT)}: paths made relative")

def write_readme(published:Path):
    from mousterian.core import atomic_write
    with atomic_write(ROOT / 'README.md') as fh: fh.write(readme_headline(published))
    print(f"README.md: headline written from {published.relative_to(ROOT)}")

if __name__ == '__main__':
    import argparse
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('names', nargs='*', help=f"the study folder to publish (default study/{README_STUDY}); with --relative, "
                    "--compare or --refit, published studies' names")
    how = ap.add_mutually_exclusive_group()
    for f in ('--readme-only', '--relative', '--compare', '--refit'): how.add_argument(f, action='store_true')
    a, bad = ap.parse_known_args()
    if bad: sys.exit(f"publish_study: unknown option {', '.join(bad)}: it takes --readme-only, --relative, --compare or "
                     "--refit (see --help); nothing was published.")
    if a.readme_only: write_readme(ROOT / 'bench' / 'results' / f'study-{README_STUDY}')
    elif a.relative:
        if not a.names: ap.error("--relative needs the published study's name, e.g. fmnist-cpu")
        relative(ROOT / 'bench' / 'results' / f'study-{a.names[0]}')
    elif a.compare:
        bad = [d for n in (a.names or [README_STUDY]) for d in compare(n)]
        sys.exit(1 if bad else 0)
    elif a.refit:
        dst = publish(refit(a.names[0] if a.names else README_STUDY), runs_clean=False)  # the runs keep the commit they ran at
        if dst.name in (f'study-{README_STUDY}', f'study-{LADDER}'): write_readme(dst.parent / f'study-{README_STUDY}')
    else:
        dst = publish(Path(a.names[0] if a.names else f'study/{README_STUDY}').resolve())
        if dst.name in (f'study-{README_STUDY}', f'study-{LADDER}'): write_readme(dst.parent / f'study-{README_STUDY}')
