# curves.gp — learning curves of every rule trained from the same initial
# weights on the same data order: test error (left) and training loss
# (right) against epochs, one line per rule.  Input: DIR/curves.csv and
# DIR/curves_meta.gp from `burstccn-bench curves`.  Output: DIR/curves.png
# and DIR/curves.svg (with suffix='_conv': curves_conv.* throughout).
#   gnuplot -e "dir='results'" curves.gp
#   gnuplot -e "dir='results'; suffix='_conv'" curves.gp

here = ARG0; i = strlen(here)
while (i > 0 && here[i:i] ne "/") { i = i - 1 }
here = i > 0 ? here[1:i] : ""
load here."common.gp"

stem = "curves".suffix
if (!bcn_have(stem)) { exit error "curves.gp: ".dir."/".stem.".csv or ".stem."_meta.gp is missing" }
load dir."/".stem."_meta.gp"
file = dir."/".stem.".csv"
kind = exists("meta_has_conv") && meta_has_conv ? " of the conv network" : ""

# Columns: epoch,rule,train_loss,train_error,test_loss,test_error,seconds.
# One table per rule and quantity so that each rule's points join up.
do for [r in meta_rules] {
    eval sprintf("set table $te_%s separator comma", r)
    plot file skip 1 using 1:6 with table if (strcol(2) eq r && strcol(6) ne "")
    unset table
    eval sprintf("set table $tl_%s separator comma", r)
    plot file skip 1 using 1:3 with table if (strcol(2) eq r && strcol(3) ne "")
    unset table
}

do for [fmt in "png svg"] {
    eval (fmt eq "png" ? bcn_png : bcn_svg)
    set output dir."/".stem.".".fmt
    set multiplot layout 1, 2 \
        title sprintf("Learning curves%s: every rule from the same initial weights and data order\n%s", kind, meta_info) \
        margins 0.07, 0.98, 0.14, 0.83 spacing 0.08, 0.1
    eval "set label 900 meta_footer " . bcn_footer_at(meta_footer)
    set grid lc rgb "#dddddd"
    set xlabel "epoch (passes over the training set)"
    set xrange [0:*]
    unset key

    set title sprintf("test error on %s test images", meta_test_n)
    set ylabel "test error (%, log scale)"
    # Log scale: the start near chance (90 %) and the final few percent
    # differences both stay readable.
    set logscale y
    set yrange [*:100]
    set ytics ("1" 1, "2" 2, "3" 3, "5" 5, "7" 7, "10" 10, "15" 15, "20" 20, "30" 30, "50" 50, "70" 70, "90" 90)
    plot for [r in meta_rules] sprintf("$te_%s", r) using 1:2 with linespoints \
        lc rgb bcn_rule_color(r) dt bcn_rule_dt(r) pt bcn_rule_pt(r) ps 0.8 title bcn_rule_name(r)
    unset label 900

    set title sprintf("training loss (running mean over the epoch, %s images)", meta_train_n)
    set ylabel "mean squared error of the outputs"
    unset logscale y
    set yrange [0:*]
    set ytics auto
    plot for [r in meta_rules] sprintf("$tl_%s", r) using 1:2 with linespoints \
        lc rgb bcn_rule_color(r) dt bcn_rule_dt(r) pt bcn_rule_pt(r) ps 0.8 title bcn_rule_name(r)

    eval bcn_legend_begin
    plot for [r in meta_rules] NaN with linespoints lc rgb bcn_rule_color(r) dt bcn_rule_dt(r) \
        pt bcn_rule_pt(r) title bcn_rule_name(r)
    eval bcn_legend_end
    unset multiplot
    set output
}
