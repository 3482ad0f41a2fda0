# scaling.gp — how the time of a training step grows with the hidden width
# (at the base batch size) and with the batch size (at the base width), one
# line per device and rule, log–log axes.
# Input: DIR/timing.csv and DIR/timing_meta.gp from `burstccn-bench timing`.
# Output: DIR/scaling.png and DIR/scaling.svg.
#   gnuplot -e "dir='results'" scaling.gp

here = ARG0; i = strlen(here)
while (i > 0 && here[i:i] ne "/") { i = i - 1 }
here = i > 0 ? here[1:i] : ""
load here."common.gp"

if (!bcn_have("timing")) { exit error "scaling.gp: ".dir."/timing.csv or timing_meta.gp is missing" }
load dir."/timing_meta.gp"
file = dir."/timing.csv"

# Columns as in timing.gp: 1 device, 2 rule, 3 batch, 5 width,
# 8 median_ms, 9 min_ms, 10 max_ms, 19 status.
nd = words(meta_devices)
nr = words(meta_rules)

# One table per device and rule and sweep, so that each line joins its own
# points (burstccn-bench writes the rows sorted by width and batch).  The
# `if` filter reads numbers through real(strcol()): gnuplot 5.4 does not
# parse $N there for columns outside the `using` list.
do for [k = 1:nd] {
    d = word(meta_devices, k)
    do for [r in meta_rules] {
        eval sprintf("set table $w_%d_%s separator comma", k, r)
        plot file skip 1 using 5:8:9:10 with table \
            if (strcol(1) eq d && strcol(2) eq r && strcol(19) eq "ok" && real(strcol(3)) == meta_base_batch)
        unset table
        eval sprintf("n_w_%d_%s = |$w_%d_%s|", k, r, k, r)
        eval sprintf("set table $b_%d_%s separator comma", k, r)
        plot file skip 1 using 3:8:9:10 with table \
            if (strcol(1) eq d && strcol(2) eq r && strcol(19) eq "ok" && real(strcol(5)) == meta_base_width)
        unset table
        eval sprintf("n_b_%d_%s = |$b_%d_%s|", k, r, k, r)
    }
}

# The plot command of one panel: a line (with min–max whiskers) for every
# device and rule that has at least two points in that sweep.
cmd_w = ""
cmd_b = ""
cmd_key = ""
do for [k = 1:nd] {
    do for [r in meta_rules] {
        dn = word(meta_devices, k)
        style = sprintf("lc rgb '%s' dt %d pt %d ps 0.9", bcn_dev_color(k), bcn_rule_dt(r), bcn_rule_pt(r))
        if (value(sprintf("n_w_%d_%s", k, r)) >= 2) {
            cmd_w = cmd_w . (cmd_w eq "" ? "" : ", ") . \
                sprintf("'$w_%d_%s' using 1:2 with linespoints %s notitle, '' using 1:2:3:4 with yerrorbars %s notitle", \
                        k, r, style, style)
        }
        if (value(sprintf("n_w_%d_%s", k, r)) >= 2 || value(sprintf("n_b_%d_%s", k, r)) >= 2) {
            cmd_key = cmd_key . (cmd_key eq "" ? "" : ", ") . \
                sprintf("NaN with linespoints %s title '%s, %s'", style, dn, bcn_rule_name(r))
        }
        if (value(sprintf("n_b_%d_%s", k, r)) >= 2) {
            cmd_b = cmd_b . (cmd_b eq "" ? "" : ", ") . \
                sprintf("'$b_%d_%s' using 1:2 with linespoints %s notitle, '' using 1:2:3:4 with yerrorbars %s notitle", \
                        k, r, style, style)
        }
    }
}
# Tics at the sizes that were measured (when the metadata lists them).
tics_of(list) = (t_ = "", sum [k_ = 1:words(list)] (t_ = t_ . (k_ > 1 ? ", " : "") . word(list, k_), 0), t_)
xt_w = exists("meta_widths") && words(meta_widths) > 0 ? "set xtics (" . tics_of(meta_widths) . ")" : "set xtics auto"
xt_b = exists("meta_batches") && words(meta_batches) > 0 ? "set xtics (" . tics_of(meta_batches) . ")" : "set xtics auto"

# A panel with no sweep (fewer than two sizes measured) still gets its
# axes and a note; a curve outside the fixed ranges draws nothing.
empty_w = cmd_w eq ""
empty_b = cmd_b eq ""
empty_panel = "set xrange [1:2]; set yrange [1:2]; set label 901 'fewer than two sizes were timed' at graph 0.5, graph 0.5 center"
if (empty_w) { cmd_w = "0.5 notitle" }
if (empty_b) { cmd_b = "0.5 notitle" }

do for [fmt in "png svg"] {
    eval (fmt eq "png" ? bcn_png : bcn_svg)
    set output dir."/scaling.".fmt
    set multiplot layout 1, 2 \
        title sprintf("Scaling of one training step (median time, whiskers min–max)\n%s", meta_info) \
        margins 0.07, 0.98, 0.14, 0.80 spacing 0.08, 0.1
    eval "set label 900 meta_footer " . bcn_footer_at(meta_footer)
    set grid xtics ytics mxtics mytics lc rgb "#dddddd", lc rgb "#f0f0f0"
    set logscale xy 2
    set format y "%g"
    set format x "%g"
    unset key
    set ylabel "time per training step (ms, log scale)"
    set offsets graph 0.05, graph 0.05, 0, 0

    set title sprintf("vs hidden width (784-H-H-H-10, batch %d)", meta_base_batch)
    set xlabel "hidden width H (units per hidden layer, log scale)"
    eval xt_w
    eval (empty_w ? empty_panel : "set autoscale xy")
    eval "plot " . cmd_w
    unset label 900
    unset label 901

    set title sprintf("vs batch size (hidden width %d)", meta_base_width)
    set xlabel "batch size (examples per step, log scale)"
    eval xt_b
    eval (empty_b ? empty_panel : "set autoscale xy")
    eval "plot " . cmd_b
    unset label 901

    # One legend for both panels, under the title.
    set offsets 0, 0, 0, 0
    if (cmd_key ne "") {
        eval bcn_legend_begin
        set key maxrows 2
        eval "plot " . cmd_key
        eval bcn_legend_end
    }
    unset multiplot
    set output
}
