# angles.gp — angle of each rule's weight update to backprop's during
# training: one panel per layer, titled with the layer's kind and shape
# ("conv 1 (32@12x12, 5x5/2)"), and one for all layers together, one line
# per rule.  Input: DIR/angles.csv and DIR/angles_meta.gp written by
# `burstccn-bench angles`.  Output: DIR/angles.png and DIR/angles.svg
# (with suffix='_conv': angles_conv.* throughout).
#   gnuplot -e "dir='results'" angles.gp
#   gnuplot -e "dir='results'; suffix='_conv'" angles.gp

here = ARG0; i = strlen(here)
while (i > 0 && here[i:i] ne "/") { i = i - 1 }
here = i > 0 ? here[1:i] : ""
load here."common.gp"

stem = "angles".suffix
if (!bcn_have(stem)) { exit error "angles.gp: ".dir."/".stem.".csv or ".stem."_meta.gp is missing" }
load dir."/".stem."_meta.gp"
file = dir."/".stem.".csv"
kind = exists("meta_has_conv") && meta_has_conv ? " of the conv network" : ""

# Backprop's angle to itself is 0 by definition: plot the other rules.
plotted = ""
do for [r in meta_rules] { if (r ne "backprop") { plotted = plotted." ".r } }
panels = meta_layers + 1

# Lines must join the rows of one rule and layer although the CSV
# interleaves them, so each selection is first copied into its own table.
# Invalid angles (an empty field: zero-norm update) are left out.
do for [l = 1:panels] {
    lname = l <= meta_layers ? sprintf("%d", l) : "all"
    do for [r in plotted] {
        eval sprintf("set table $a_%s_%d separator comma", r, l)
        plot file skip 1 using 1:4 with table if (strcol(2) eq r && strcol(3) eq lname)
        unset table
    }
}

ncols = panels <= 3 ? panels : 3
nrows = (panels + ncols - 1) / ncols

do for [fmt in "png svg"] {
    eval (fmt eq "png" ? bcn_png : bcn_svg)
    set output dir."/".stem.".".fmt
    set multiplot layout nrows, ncols \
        title sprintf("Angle between each rule's weight update and backprop's during training%s\n%s", kind, meta_info) \
        margins 0.07, 0.98, 0.12, 0.83 spacing 0.07, 0.13
    eval "set label 900 meta_footer " . bcn_footer_at(meta_footer)
    set grid lc rgb "#dddddd"
    set xlabel "training step (minibatches)"
    set ylabel "angle to backprop (degrees)"
    set yrange [0:100<*]
    set ytics nomirror
    unset key
    do for [l = 1:panels] {
        if (l <= meta_layers) {
            set title sprintf("%s: W%d, %s", bcn_layer_label(l), l, l == meta_layers ? "output" : "hidden")
        } else {
            set title "all layers together"
        }
        # 90 degrees: an update orthogonal to the gradient (no descent).
        plot for [r in plotted] sprintf("$a_%s_%d", r, l) using 1:2 with linespoints \
                 lc rgb bcn_rule_color(r) dt bcn_rule_dt(r) pt bcn_rule_pt(r) ps 0.6 \
                 title bcn_rule_name(r), \
             90 with lines lc rgb "#999999" dt 3 title "90° (orthogonal)"
        unset label 900
    }
    # One legend for the whole figure, in a row under the title.
    eval bcn_legend_begin
    plot for [r in plotted] NaN with linespoints lc rgb bcn_rule_color(r) dt bcn_rule_dt(r) \
             pt bcn_rule_pt(r) title bcn_rule_name(r), \
         NaN with lines lc rgb "#999999" dt 3 title "90° (orthogonal)"
    eval bcn_legend_end
    unset multiplot
    set output
}
