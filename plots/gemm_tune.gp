# gemm_tune.gp — SGEMM rate at each GEMM shape of a training step, with
# CLBlast's own parameters and with the tuned set (burstccn tune), one pair
# of bars per shape and OpenCL device; the bars of the shapes a step calls
# most are the ones that matter (x label: calls per step).
# Input: DIR/gemm_tune.csv (and timing_meta.gp for the footer) from
# `burstccn-bench timing`. Output: DIR/gemm_tune.png and .svg; nothing when
# the results have no gemm_tune.csv or no tuned rates.
#   gnuplot -e "dir='results'" gemm_tune.gp

here = ARG0; i = strlen(here)
while (i > 0 && here[i:i] ne "/") { i = i - 1 }
here = i > 0 ? here[1:i] : ""
load here."common.gp"

file = dir."/gemm_tune.csv"
if (!bcn_exists(file) || !bcn_have("timing")) { exit }
load dir."/timing_meta.gp"

# Columns: 1 device, 2 op, 3 m, 4 n, 5 k, 6 beta, 7 calls, 8 untuned_gflops,
# 9 tuned_gflops, 10 tuned_set, 11 status.
set datafile separator comma
stats file skip 1 using ((strcol(11) eq "ok" && strcol(10) eq "cached") ? $9 : NaN) nooutput
if (!exists("STATS_records") || STATS_records == 0) { exit }

do for [fmt in "png svg"] {
    eval (fmt eq "png" ? bcn_png : bcn_svg)
    set output dir."/gemm_tune.".fmt
    set title "SGEMM rate at the GEMM shapes of one training step: CLBlast's own parameters vs tuned\n" . meta_info . "\nrates: CLBlast's and the tuned set timed alternately, best of 2 rounds, each the median of 3 repetitions"
    eval "set label 900 meta_footer " . bcn_footer_at(meta_footer)
    set bmargin 9
    set grid ytics lc rgb "#dddddd"
    set style data histograms
    set style histogram clustered gap 1
    set style fill solid 0.85 border lc rgb "#333333"
    set boxwidth 0.9
    set ylabel "GFLOP/s"
    set yrange [0:*]
    set xtics rotate by 45 right font ",10" scale 0
    set key top left
    plot file skip 1 using (strcol(11) eq "ok" ? $8 : NaN):xtic(sprintf("%s %s %sx%sx%s b%s (x%s)", strcol(1), strcol(2), strcol(3), strcol(4), strcol(5), strcol(6), strcol(7))) \
             title "CLBlast's own" lc rgb "#999999", \
         '' skip 1 using (strcol(11) eq "ok" ? $9 : NaN) title "tuned" lc rgb "#1f77b4"
    unset label 900
    unset output
}
