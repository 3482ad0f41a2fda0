# gemm_tune.gp — SGEMM rate at each GEMM shape of a training step on each
# OpenCL device, one group of bars per shape: CLBlast with its own
# parameters and tuned (burstccn tune), the library's own GEMM kernels with
# their default tiles and tuned. Only the series that have rates are drawn
# (no tuned set cached: no tuned bars; results from before the own kernels:
# CLBlast only). The bars of the shapes a step calls most are the ones that
# matter (x label: calls per step).
# Input: DIR/gemm_tune.csv (and timing_meta.gp for the footer) from
# `burstccn-bench timing`; its columns are found by name in the header.
# Output: DIR/gemm_tune.png and .svg; nothing when the results have no
# gemm_tune.csv or no rates at all.
#   gnuplot -e "dir='results'" gemm_tune.gp

here = ARG0; i = strlen(here)
while (i > 0 && here[i:i] ne "/") { i = i - 1 }
here = i > 0 ? here[1:i] : ""
load here."common.gp"

file = dir."/gemm_tune.csv"
if (!bcn_exists(file) || !bcn_have("timing")) { exit }
load dir."/timing_meta.gp"

# The columns, by name (0: absent). The rates: untuned_gflops and
# tuned_gflops (CLBlast), own_gflops and own_tuned_gflops (own kernels).
set datafile separator comma
header = system("head -n 1 '".file."' | tr -d '\\r' | tr ',' ' '")
c_dev = bcn_widx(header, "device"); c_op = bcn_widx(header, "op")
c_m = bcn_widx(header, "m"); c_n = bcn_widx(header, "n"); c_k = bcn_widx(header, "k")
c_beta = bcn_widx(header, "beta"); c_calls = bcn_widx(header, "calls")
if (c_dev * c_op * c_m * c_n * c_k * c_beta * c_calls == 0) { exit }
series_col = sprintf("%d %d %d %d", bcn_widx(header, "untuned_gflops"), \
                     bcn_widx(header, "tuned_gflops"), bcn_widx(header, "own_gflops"), \
                     bcn_widx(header, "own_tuned_gflops"))
series_title = "CLBlast|CLBlast tuned|own kernels|own kernels tuned"
series_color = "#999999 #1f77b4 #ffbb78 #d62728"
title_of(s) = s == 1 ? "CLBlast" : s == 2 ? "CLBlast tuned" : s == 3 ? "own kernels" : "own kernels tuned"

# A rate of column c in the current row: the number when it is one > 0.
rate(c) = (c > 0 && valid(c) && column(c) > 0) ? column(c) : NaN

# The series that have at least one rate.
drawn = ""
do for [s = 1:4] {
    c = word(series_col, s) + 0
    if (c > 0) {
        stats file skip 1 using (rate(c)) nooutput
        if (exists("STATS_records") && STATS_records > 0) { drawn = drawn . sprintf(" %d", s) }
        undefine STATS_*
    }
}
if (words(drawn) == 0) { exit }

shape_label = sprintf("sprintf(\"%%s %%s %%sx%%sx%%s b%%s (x%%s)\", strcol(%d), strcol(%d), strcol(%d), strcol(%d), strcol(%d), strcol(%d), strcol(%d))", c_dev, c_op, c_m, c_n, c_k, c_beta, c_calls)
cmd = ""
do for [w = 1:words(drawn)] {
    s = word(drawn, w) + 0
    c = word(series_col, s) + 0
    cmd = cmd . (w == 1 ? sprintf("file skip 1 using (rate(%d)):xtic(%s)", c, shape_label) \
                        : sprintf(", '' skip 1 using (rate(%d))", c)) \
              . sprintf(" title '%s' lc rgb '%s'", title_of(s), word(series_color, s))
}

do for [fmt in "png svg"] {
    eval (fmt eq "png" ? bcn_png : bcn_svg)
    set output dir."/gemm_tune.".fmt
    set title "SGEMM rate at the GEMM shapes of one training step: CLBlast and the own GEMM kernels, default vs tuned\n" . meta_info . "\nrates: the engines and sets timed alternately, best of 2 rounds, each the median of 3 repetitions"
    eval "set label 900 meta_footer " . bcn_footer_at(meta_footer)
    set bmargin 15
    set grid ytics lc rgb "#dddddd"
    set style data histograms
    set style histogram clustered gap 1
    set style fill solid 0.85 border lc rgb "#333333"
    set boxwidth 0.9
    set ylabel "GFLOP/s"
    set yrange [0:*]
    set xtics rotate by 45 right font ",10" scale 0
    set key top left
    eval "plot " . cmd
    unset label 900
    unset output
}
