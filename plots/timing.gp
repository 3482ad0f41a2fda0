# timing.gp — speed of one training step of every rule on every device:
# time per step (median, whiskers from the fastest to the slowest
# repetition, samples/s above each bar) and the achieved GFLOP/s against the
# device's measured SGEMM rate at the same shapes.  One row of panels per
# network family timed (meta_nets: the dense network at the base width,
# the conv network, the paper's CIFAR-10 net, ...), each on its own scale;
# rows at the base batch size only (the scaling figure shows the rest).
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
# 18 gemm_fraction, 19 status, 20 device_name, 21 error, 22 net,
# 23 network, 24-27 launches, BLAS calls, transfers and bytes per step.  Results from before network families (no column 22, no
# meta_nets) are all "dense".
nd = words(meta_devices)
nr = words(meta_rules)
nets = exists("meta_nets") && words(meta_nets) > 0 ? meta_nets : "dense"
nf = words(nets)
# (Column 22 is read only when the metadata says the results have it.)
net_of_row(dummy) = !exists("meta_nets") ? "dense" : strcol(22) eq "" ? "dense" : strcol(22)
# The bar chart's rows of family k: timed, at the base batch size, and for
# the dense family at the base width.
base(k) = strcol(19) eq "ok" && column(3) == meta_base_batch && net_of_row(0) eq word(nets, k) && \
          (word(nets, k) eq "dense" ? column(5) == meta_base_width : 1)
net_title(k) = exists(sprintf("meta_net_label_%d", k)) ? value(sprintf("meta_net_label_%d", k)) : \
               sprintf("784-H-...-H-10, H = %d", meta_base_width)
# Rows of family k at the base case that could not be timed (the device
# cannot run that network): "skipped" where their bar would be.
skipped(k) = strcol(19) ne "ok" && column(3) == meta_base_batch && net_of_row(0) eq word(nets, k) && \
             (word(nets, k) eq "dense" ? column(5) == meta_base_width : 1)
# Bar position: one group per device, one bar per rule, a gap between groups.
xpos(dev, r) = (bcn_widx(meta_devices, dev) - 1) * (nr + 1) + bcn_widx(meta_rules, r)

# Per family: a log axis when devices differ by more than a factor 30;
# whether anything was timed at all (else the panels say so).
do for [k = 1:nf] {
    stats file skip 1 using (base(k) ? $8 : NaN) nooutput
    # (stats leaves STATS_* undefined when no point is valid)
    have = exists("STATS_records") ? STATS_records > 0 : 0
    eval sprintf("have_%d = %d", k, have)
    eval sprintf("uselog_%d = %d", k, have ? (STATS_min > 0 && STATS_max / STATS_min > 30) : 0)
    undefine STATS_*
}
empty_note = "set yrange [0:1]; set label 901 'no device was timed at this size' at graph 0.5, graph 0.5 center"

# Compact rates for the labels above the bars ("8.5k/s").
rate(v) = v >= 1e6 ? sprintf("%.1fM/s", v / 1e6) : v >= 1e3 ? sprintf("%.1fk/s", v / 1e3) : sprintf("%.0f/s", v)

xt = ""
do for [k = 1:nd] {
    xt = xt . sprintf("%s\"%s\" %g", k > 1 ? ", " : "", value(sprintf("meta_device_label_%d", k)), (k - 1) * (nr + 1) + (nr + 1) / 2.0)
}

# The figure grows by a row of panels per family; margins are fixed in
# pixels: 163 above (title, legend), 135 below (device names, footer),
# 160 between rows (device names, the next row's title).
height = 900 + 460 * (nf - 1)
bcn_height = height
px(p) = p / (1.0 * height)
legend_at = sprintf("set lmargin at screen 0.05; set rmargin at screen 0.95; set tmargin at screen %.4f; set bmargin at screen %.4f", 1 - px(66), 1 - px(100))

do for [fmt in "png svg"] {
    eval (fmt eq "png" ? bcn_png_h(height) : bcn_svg_h(height))
    set output dir."/timing.".fmt
    set multiplot layout nf, 2 \
        title sprintf("Time of one training step per device and rule\n%s", meta_info) \
        margins 0.07, 0.98, px(135), 1 - px(163) spacing 0.08, px(160)
    eval "set label 900 meta_footer " . bcn_footer_at(meta_footer)
    do for [k = 1:nf] {
        set grid ytics lc rgb "#dddddd"
        set boxwidth 0.8
        set style fill solid 0.85 border lc rgb "#333333"
        eval "set xtics (" . xt . ") scale 0 font ',10'"
        set xrange [0.2:nd * (nr + 1)]
        unset key
        set y2range [0:1]
        unset y2tics
        # Head room above the tallest bar for the labels.
        set offsets 0, 0, graph 0.12, 0
        uselog = value(sprintf("uselog_%d", k))
        nothing = !value(sprintf("have_%d", k))

        set title net_title(k) . "\ntime per step: bar median, whiskers min–max, label samples/s" font ",11"
        set ylabel "time per training step (ms" . (uselog ? ", log scale)" : ")")
        eval (uselog ? "set logscale y; set yrange [*:*]" : "unset logscale y; set yrange [0:*]")
        eval (nothing ? empty_note : "")
        plot for [r in meta_rules] file skip 1 \
                 using (xpos(strcol(1), r)):(base(k) && strcol(2) eq r ? $8 : NaN) \
                 with boxes lc rgb bcn_rule_color(r) title bcn_rule_name(r), \
             file skip 1 using (xpos(strcol(1), strcol(2))):(base(k) ? $9 : NaN):(0):($10 - $9) \
                 with vectors nohead lc rgb "#000000" lw 1.2 notitle, \
             for [c = 9:10] file skip 1 using (xpos(strcol(1), strcol(2)) - 0.15):(base(k) ? column(c) : NaN):(0.3):(0) \
                 with vectors nohead lc rgb "#000000" lw 1.2 notitle, \
             file skip 1 using (xpos(strcol(1), strcol(2))):(base(k) ? $10 : NaN):(rate($11)) \
                 with labels rotate by 90 left offset 0, 0.6 font ",9" notitle, \
             file skip 1 using (xpos(strcol(1), strcol(2))):(skipped(k) ? 0.03 : NaN):("skipped") axes x1y2 \
                 with labels rotate by 90 left font ",9" textcolor rgb "#888888" notitle
        unset label 900
        unset label 901
        unset logscale y

        set title net_title(k) . "\nachieved GFLOP/s (solid) and the SGEMM rate at the same shapes (dashed)" font ",11"
        set ylabel "GFLOP/s"
        set yrange [0:*]
        eval (nothing ? empty_note : "")
        plot file skip 1 using (xpos(strcol(1), strcol(2))):(base(k) ? $17 : NaN) \
                 with boxes lc rgb "#555555" dt 2 fs empty notitle, \
             for [r in meta_rules] file skip 1 \
                 using (xpos(strcol(1), r)):(base(k) && strcol(2) eq r ? $13 : NaN) \
                 with boxes lc rgb bcn_rule_color(r) title bcn_rule_name(r), \
             file skip 1 using (xpos(strcol(1), strcol(2))):(base(k) ? ($17 > $13 ? $17 : $13) : NaN):(sprintf("%.0f%%", 100 * $18)) \
                 with labels offset 0, 0.7 font ",9" notitle, \
             file skip 1 using (xpos(strcol(1), strcol(2))):(skipped(k) ? 0.03 : NaN):("skipped") axes x1y2 \
                 with labels rotate by 90 left font ",9" textcolor rgb "#888888" notitle
        unset label 901
    }

    set offsets 0, 0, 0, 0
    eval bcn_legend_begin
    eval legend_at
    plot for [r in meta_rules] NaN with boxes lc rgb bcn_rule_color(r) title bcn_rule_name(r)
    eval bcn_legend_end
    unset multiplot
    set output
}
