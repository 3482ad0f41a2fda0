# alignment.gp — how the feedback weights line up during training: the
# angle between each hidden layer's feedback weights Y_l and the forward
# weights W_{l+1} they stand in for, and between Y_l and the
# cancellation weights Q_l, one line per layer.
# Layers are named by kind and shape ("conv 1 (32@12x12, 5x5/2)").
# Input: DIR/angles.csv and DIR/angles_meta.gp from `burstccn-bench angles`.
# Output: DIR/alignment.png and DIR/alignment.svg (with suffix='_conv':
# angles_conv.* in, alignment_conv.* out).
#   gnuplot -e "dir='results'" alignment.gp

here = ARG0; i = strlen(here)
while (i > 0 && here[i:i] ne "/") { i = i - 1 }
here = i > 0 ? here[1:i] : ""
load here."common.gp"

stem = "angles".suffix
if (!bcn_have(stem)) { exit error "alignment.gp: ".dir."/".stem.".csv or ".stem."_meta.gp is missing" }
load dir."/".stem."_meta.gp"
file = dir."/".stem.".csv"
kind = exists("meta_has_conv") && meta_has_conv ? " of the conv network" : ""

# Columns: 1 step, 2 rule, 3 layer, 7 w_y_deg, 8 y_q_deg.  The weight
# angles do not depend on the compared rule: read the driving rule's rows.
nh = meta_layers - 1
# No hidden layer (--arch none): no feedback weights, no figure.
if (nh < 1) { print "alignment.gp: the network has no hidden layer: nothing to draw"; exit }
do for [l = 1:nh] {
    eval sprintf("set table $wy_%d separator comma", l)
    plot file skip 1 using 1:7 with table \
        if (strcol(2) eq meta_driver && strcol(3) eq sprintf("%d", l) && strcol(7) ne "")
    unset table
    eval sprintf("set table $yq_%d separator comma", l)
    plot file skip 1 using 1:8 with table \
        if (strcol(2) eq meta_driver && strcol(3) eq sprintf("%d", l) && strcol(8) ne "")
    unset table
}
layer_color(l) = word("#1f77b4 #d62728 #2ca02c #9467bd #8c564b #e377c2 #17becf #bcbd22", (l - 1) % 8 + 1)

do for [fmt in "png svg"] {
    eval (fmt eq "png" ? bcn_png : bcn_svg)
    set output dir."/alignment".suffix.".".fmt
    set multiplot layout 1, 2 \
        title sprintf("Alignment of the feedback weights%s during training\n%s", kind, meta_info) \
        margins 0.07, 0.98, 0.14, 0.81 spacing 0.08, 0.1
    eval "set label 900 meta_footer " . bcn_footer_at(meta_footer)
    set grid lc rgb "#dddddd"
    set xlabel "training step (minibatches)"
    set yrange [0:100<*]
    unset key

    set title "feedback Y_l vs forward W_(l+1) (0° = symmetric feedback)"
    set ylabel "angle between W_(l+1) and Y_l (degrees)"
    plot for [l = 1:nh] sprintf("$wy_%d", l) using 1:2 with linespoints lc rgb layer_color(l) \
            pt 7 ps 0.5 title bcn_layer_label(l), \
         90 with lines lc rgb "#999999" dt 3 notitle
    unset label 900

    # Autoscaled: Q often stays within a fraction of a degree of p_b Y.
    set title "feedback Y_l vs cancellation Q_l (0° = Q cancels Y; own scale)"
    set ylabel "angle between Y_l and Q_l (degrees)"
    set yrange [0:*]
    plot for [l = 1:nh] sprintf("$yq_%d", l) using 1:2 with linespoints lc rgb layer_color(l) \
            pt 7 ps 0.5 title bcn_layer_label(l)

    eval bcn_legend_begin
    # Long layer labels take two rows: a taller strip, below a title that
    # may have three lines.
    set tmargin at screen 0.913
    set bmargin at screen 0.857
    plot for [l = 1:nh] NaN with linespoints lc rgb layer_color(l) pt 7 title sprintf("Y_%d of %s", l, bcn_layer_label(l)), \
         NaN with lines lc rgb "#999999" dt 3 title "90° (unrelated directions)"
    eval bcn_legend_end
    unset multiplot
    set output
}
