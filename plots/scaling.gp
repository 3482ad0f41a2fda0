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
# 8 median_ms, 9 min_ms, 10 max_ms, 19 status, 22 net (the network family;
# empty in results from before families: dense).
nd = words(meta_devices)
nr = words(meta_rules)
nets = exists("meta_nets") && words(meta_nets) > 0 ? meta_nets : "dense"
nf = words(nets)
# (Column 22 is read only when the metadata says the results have it.)
net_of_row(dummy) = !exists("meta_nets") ? "dense" : strcol(22) eq "" ? "dense" : strcol(22)
net_title(f) = exists(sprintf("meta_net_label_%d", f)) ? value(sprintf("meta_net_label_%d", f)) : word(nets, f)
dense_net = exists("meta_dense_net") && meta_dense_net ne "" ? meta_dense_net : "784-H-H-H-10"

# One table per device and rule and sweep (and, for batch sizes, network
# family), so that each line joins its own points (burstccn-bench writes
# the rows sorted by width and batch).  The widths are the dense family's.
# The `if` filter reads numbers through real(strcol()): gnuplot 5.4 does
# not parse $N there for columns outside the `using` list; && stops before
# real() of an empty width.
do for [k = 1:nd] {
    d = word(meta_devices, k)
    do for [r in meta_rules] {
        eval sprintf("set table $w_%d_%s separator comma", k, r)
        plot file skip 1 using 5:8:9:10 with table \
            if (strcol(1) eq d && strcol(2) eq r && strcol(19) eq "ok" && net_of_row(0) eq "dense" && \
                real(strcol(3)) == meta_base_batch)
        unset table
        eval sprintf("n_w_%d_%s = |$w_%d_%s|", k, r, k, r)
        do for [f = 1:nf] {
            fam = word(nets, f)
            eval sprintf("set table $b_%d_%d_%s separator comma", f, k, r)
            plot file skip 1 using 3:8:9:10 with table \
                if (strcol(1) eq d && strcol(2) eq r && strcol(19) eq "ok" && net_of_row(0) eq fam && \
                    (fam ne "dense" || real(strcol(5)) == meta_base_width))
            unset table
            eval sprintf("n_b_%d_%d_%s = |$b_%d_%d_%s|", f, k, r, f, k, r)
        }
    }
}

# The plot command of one panel: a line (with min–max whiskers) for every
# device and rule (and family) that has at least two points in that sweep.
# Colour: device; dashes: rule; points: rule, or open symbols for the
# families after the first.
cmd_w = ""
cmd_b = ""
cmd_key = ""
nkeys = 0
nb_fams = 0
do for [f = 1:nf] {
    any = 0
    do for [k = 1:nd] { do for [r in meta_rules] { any = any || value(sprintf("n_b_%d_%d_%s", f, k, r)) >= 2 } }
    nb_fams = nb_fams + any
}
do for [k = 1:nd] {
    do for [r in meta_rules] {
        dn = word(meta_devices, k)
        style = sprintf("lc rgb '%s' dt %d pt %d ps 0.9", bcn_dev_color(k), bcn_rule_dt(r), bcn_rule_pt(r))
        if (value(sprintf("n_w_%d_%s", k, r)) >= 2) {
            cmd_w = cmd_w . (cmd_w eq "" ? "" : ", ") . \
                sprintf("'$w_%d_%s' using 1:2 with linespoints %s notitle, '' using 1:2:3:4 with yerrorbars %s notitle", \
                        k, r, style, style)
            cmd_key = cmd_key . (cmd_key eq "" ? "" : ", ") . \
                sprintf("NaN with linespoints %s title '%s, %s%s'", style, dn, bcn_rule_name(r), nb_fams > 1 ? ", dense" : "")
            nkeys = nkeys + 1
        }
        do for [f = 1:nf] {
            fstyle = f == 1 ? style : sprintf("lc rgb '%s' dt %d pt %d ps 1.1", bcn_dev_color(k), bcn_rule_dt(r), 2 + 2 * f)
            if (value(sprintf("n_b_%d_%d_%s", f, k, r)) >= 2) {
                cmd_b = cmd_b . (cmd_b eq "" ? "" : ", ") . \
                    sprintf("'$b_%d_%d_%s' using 1:2 with linespoints %s notitle, '' using 1:2:3:4 with yerrorbars %s notitle", \
                            f, k, r, fstyle, fstyle)
                if (!(word(nets, f) eq "dense" && value(sprintf("n_w_%d_%s", k, r)) >= 2)) {
                    cmd_key = cmd_key . (cmd_key eq "" ? "" : ", ") . \
                        sprintf("NaN with linespoints %s title '%s, %s%s'", fstyle, dn, bcn_rule_name(r), \
                                nb_fams > 1 ? ", ".word(nets, f) : "")
                    nkeys = nkeys + 1
                }
            }
        }
    }
}
# The legend: three entries a row, as many rows as it takes, the panels
# below it.
key_rows = nkeys < 1 ? 1 : (nkeys + 2) / 3
panel_top = key_rows <= 2 ? 0.80 : 0.80 - 0.027 * (key_rows - 2)

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
        margins 0.07, 0.98, 0.14, panel_top spacing 0.08, 0.1
    eval "set label 900 meta_footer " . bcn_footer_at(meta_footer)
    set grid xtics ytics mxtics mytics lc rgb "#dddddd", lc rgb "#f0f0f0"
    set logscale xy 2
    set format y "%g"
    set format x "%g"
    unset key
    set ylabel "time per training step (ms, log scale)"
    set offsets graph 0.05, graph 0.05, 0, 0

    set title sprintf("vs hidden width (%s, batch %d)", dense_net, meta_base_batch)
    set xlabel "hidden width H (units per hidden layer, log scale)"
    eval xt_w
    eval (empty_w ? empty_panel : "set autoscale xy")
    eval "plot " . cmd_w
    unset label 900
    unset label 901

    set title (nf == 1 && word(nets, 1) ne "dense" ? sprintf("vs batch size (%s)", net_title(1)) : \
               sprintf("vs batch size (dense: hidden width %d%s)", meta_base_width, nb_fams > 1 ? "; other networks as named" : ""))
    set xlabel "batch size (examples per step, log scale)"
    eval xt_b
    eval (empty_b ? empty_panel : "set autoscale xy")
    eval "plot " . cmd_b
    unset label 901

    # One legend for both panels, under the title.
    set offsets 0, 0, 0, 0
    if (cmd_key ne "") {
        eval bcn_legend_begin
        set bmargin at screen 0.925 - 0.027 * (key_rows > 2 ? key_rows : 2)
        eval sprintf("set key maxrows %d", key_rows)
        eval "plot " . cmd_key
        eval bcn_legend_end
    }
    unset multiplot
    set output
}
