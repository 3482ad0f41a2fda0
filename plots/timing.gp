# timing.gp — speed of one training step of every rule on every device:
# time per step (median, whiskers from the fastest to the slowest
# repetition, samples/s above each bar) and the achieved GFLOP/s against the
# device's measured SGEMM rate at the same shapes.  Rows at the base batch
# size and hidden width only (the scaling figure shows the rest).
# Input: DIR/timing.csv and DIR/timing_meta.gp from `burstccn-bench timing`.
# Output: DIR/timing.png and DIR/timing.svg.
#   gnuplot -e "dir='results'" timing.gp

here = ARG0; i = strlen(here)
while (i > 0 && here[i:i] ne "/") { i = i - 1 }
here = i > 0 ? here[1:i] : ""
load here."common.gp"

if (!bcn_have("timing")) { exit error "timing.gp: ".dir."/timing.csv or timing_meta.gp is missing" }
load dir."/timing_meta.gp"
file = dir."/timing.csv"

# Columns: 1 device, 2 rule, 3 batch, 4 hidden, 5 width, 6 steps, 7 reps,
# 8 median_ms, 9 min_ms, 10 max_ms, 11 samples_per_s, 12 flops, 13 gflops,
# 14 forward_ms, 15 feedback_ms, 16 update_ms, 17 gemm_gflops,
# 18 gemm_fraction, 19 status, 20 device_name, 21 error.
nd = words(meta_devices)
nr = words(meta_rules)
base(b, w, st) = st eq "ok" && b == meta_base_batch && w == meta_base_width
# Bar position: one group per device, one bar per rule, a gap between groups.
xpos(dev, r) = (bcn_widx(meta_devices, dev) - 1) * (nr + 1) + bcn_widx(meta_rules, r)

# Whiskers are drawn as line segments (vectors): gnuplot's errorbars leave
# a blank gap around the point. A log axis when devices differ by more
# than a factor 30.
stats file skip 1 using (base($3, $5, strcol(19)) ? $8 : NaN) nooutput
# (stats leaves STATS_* undefined when no point is valid)
have_rows = exists("STATS_records") ? STATS_records > 0 : 0
uselog = have_rows ? (STATS_min > 0 && STATS_max / STATS_min > 30) : 0
# No successful timing at the base case (every device skipped): the panels
# keep their axes and say so.
nothing = !have_rows
empty_note = "set yrange [0:1]; set label 901 'no device was timed at this size' at graph 0.5, graph 0.5 center"

# Compact rates for the labels above the bars ("8.5k/s").
rate(v) = v >= 1e6 ? sprintf("%.1fM/s", v / 1e6) : v >= 1e3 ? sprintf("%.1fk/s", v / 1e3) : sprintf("%.0f/s", v)

xt = ""
do for [k = 1:nd] {
    xt = xt . sprintf("%s\"%s\" %g", k > 1 ? ", " : "", value(sprintf("meta_device_label_%d", k)), (k - 1) * (nr + 1) + (nr + 1) / 2.0)
}

do for [fmt in "png svg"] {
    eval (fmt eq "png" ? bcn_png : bcn_svg)
    set output dir."/timing.".fmt
    set multiplot layout 1, 2 \
        title sprintf("Time of one training step per device and rule\n%s", meta_info) \
        margins 0.07, 0.98, 0.15, 0.83 spacing 0.08, 0.1
    eval "set label 900 meta_footer " . bcn_footer_at(meta_footer)
    set grid ytics lc rgb "#dddddd"
    set boxwidth 0.8
    set style fill solid 0.85 border lc rgb "#333333"
    eval "set xtics (" . xt . ") scale 0 font ',10'"
    set xrange [0.2:nd * (nr + 1)]
    unset key
    # Head room above the tallest bar for the labels.
    set offsets 0, 0, graph 0.12, 0

    set title "time per step: bar median, whiskers min–max, label samples/s"
    set ylabel "time per training step (ms" . (uselog ? ", log scale)" : ")")
    eval (uselog ? "set logscale y; set yrange [*:*]" : "unset logscale y; set yrange [0:*]")
    eval (nothing ? empty_note : "")
    plot for [r in meta_rules] file skip 1 \
             using (xpos(strcol(1), r)):(base($3, $5, strcol(19)) && strcol(2) eq r ? $8 : NaN) \
             with boxes lc rgb bcn_rule_color(r) title bcn_rule_name(r), \
         file skip 1 using (xpos(strcol(1), strcol(2))):(base($3, $5, strcol(19)) ? $9 : NaN):(0):($10 - $9) \
             with vectors nohead lc rgb "#000000" lw 1.2 notitle, \
         for [k = 9:10] file skip 1 using (xpos(strcol(1), strcol(2)) - 0.15):(base($3, $5, strcol(19)) ? column(k) : NaN):(0.3):(0) \
             with vectors nohead lc rgb "#000000" lw 1.2 notitle, \
         file skip 1 using (xpos(strcol(1), strcol(2))):(base($3, $5, strcol(19)) ? $10 : NaN):(rate($11)) \
             with labels rotate by 90 left offset 0, 0.6 font ",9" notitle
    unset label 900
    unset logscale y

    set title "achieved GFLOP/s (solid) and the SGEMM rate at the same shapes (dashed)"
    set ylabel "GFLOP/s"
    set yrange [0:*]
    eval (nothing ? empty_note : "")
    plot file skip 1 using (xpos(strcol(1), strcol(2))):(base($3, $5, strcol(19)) ? $17 : NaN) \
             with boxes lc rgb "#555555" dt 2 fs empty notitle, \
         for [r in meta_rules] file skip 1 \
             using (xpos(strcol(1), r)):(base($3, $5, strcol(19)) && strcol(2) eq r ? $13 : NaN) \
             with boxes lc rgb bcn_rule_color(r) title bcn_rule_name(r), \
         file skip 1 using (xpos(strcol(1), strcol(2))):(base($3, $5, strcol(19)) ? ($17 > $13 ? $17 : $13) : NaN):(sprintf("%.0f%%", 100 * $18)) \
             with labels offset 0, 0.7 font ",9" notitle

    set offsets 0, 0, 0, 0
    unset label 901
    eval bcn_legend_begin
    plot for [r in meta_rules] NaN with boxes lc rgb bcn_rule_color(r) title bcn_rule_name(r)
    eval bcn_legend_end
    unset multiplot
    set output
}
