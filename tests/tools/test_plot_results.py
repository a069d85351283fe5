"""tools/analysis/plot_results.py on a results file with known numbers: the
printed means, standard deviations and paired differences are those of the
file, and the figure is drawn."""
import json
import statistics

import pytest

from tests.tools.test_plot_analysis import check_png
from tests.utils import load_tool

plot_results = load_tool('tools/analysis/plot_results.py')

RUNS = {
    'a_minor': {'0': {'acc/top1': 0.60}},
    'a_severe': {'0': {'acc/top1': 0.30}, '1': {'acc/top1': 0.40},
                 '2': {'acc/top1': 0.35}},
    'b_severe': {'0': {'acc/top1': 0.20}, '1': {'acc/top1': 0.45},
                 '3': {'acc/top1': 0.10}},
    'clean': {'0': {'acc/top1': 0.80}, '1': {'acc/top1': 0.90}},
}
SERIES = ['A=a_{level}', 'B, with = sign=b_{level}']


@pytest.fixture
def results(tmp_path):
    path = tmp_path / 'results.json'
    path.write_text(json.dumps({'runs': RUNS}))
    return path


def test_table_matches_the_file():
    table = plot_results.series_table(RUNS, SERIES, 'acc/top1')
    assert set(table['A']) == {'minor', 'severe'}  # moderate was not run
    mean, std, n = table['A']['severe']
    assert n == 3
    assert mean == pytest.approx(0.35)
    assert std == pytest.approx(statistics.stdev([0.30, 0.40, 0.35]))
    assert table['A']['minor'] == (pytest.approx(0.60), 0., 1)
    # the label may itself contain '=': the last one splits
    assert table['B, with = sign']['severe'][2] == 3


def test_paired_uses_only_common_seeds():
    diffs = plot_results.paired(RUNS, SERIES, 'A', 'B, with = sign',
                                'acc/top1')
    assert list(diffs) == ['severe']
    assert diffs['severe'] == {'0': pytest.approx(0.10),
                               '1': pytest.approx(-0.05)}


def test_main_prints_and_draws(results, tmp_path, capsys):
    out = tmp_path / 'fig.png'
    plot_results.main([str(results), '--series', *SERIES,
                       '--reference', 'clean ref=clean',
                       '--paired', 'A', 'B, with = sign', '--out', str(out)])
    text = capsys.readouterr().out
    assert '0.350 ± 0.050 (n=3)' in text
    assert 'clean ref: 0.850 (n=2)' in text
    assert 'seed 0: +0.100, seed 1: -0.050; mean +0.025' in text
    from scipy import stats
    ref = stats.ttest_1samp([0.10, -0.05], 0.)
    assert (f'± {statistics.stdev([0.10, -0.05]):.3f} (t = '
            f'{ref.statistic:.2f}, 1 df, two-sided p = {ref.pvalue:.3f})'
            ) in text
    check_png(out)


def test_unknown_paired_label_is_one_line(results):
    with pytest.raises(SystemExit, match="'C' is not a series label"):
        plot_results.main([str(results), '--series', *SERIES,
                           '--paired', 'A', 'C'])


def test_runs_split_over_two_files_read_as_one(tmp_path, capsys):
    first, second = tmp_path / 'first.json', tmp_path / 'second.json'
    names = sorted(RUNS)
    first.write_text(json.dumps({'runs': {n: RUNS[n] for n in names[:2]}}))
    second.write_text(json.dumps({'runs': {n: RUNS[n] for n in names[2:]}}))
    assert plot_results.load_runs([str(first), str(second)]) == RUNS
    plot_results.main([str(first), str(second), '--series', *SERIES,
                       '--reference', 'clean ref=clean'])
    text = capsys.readouterr().out
    assert '0.350 ± 0.050 (n=3)' in text and 'clean ref: 0.850 (n=2)' in text


def test_a_run_in_two_files_is_an_error_naming_both(results, tmp_path):
    other = tmp_path / 'other.json'
    other.write_text(json.dumps({'runs': {'a_severe': RUNS['a_severe']}}))
    with pytest.raises(SystemExit, match=r"'a_severe' is in both .*"
                       r"results\.json and .*other\.json"):
        plot_results.load_runs([str(results), str(other)])


def test_paired_test_of_equal_differences_is_not_a_division_by_zero():
    assert plot_results.paired_test([0.1]) == ''
    assert 'no t-test' in plot_results.paired_test([0.05, 0.05, 0.05])
