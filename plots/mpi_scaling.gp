# mpi_scaling.gp — data-parallel training under MPI: per device, the time of
# one training step split into each rank's own work (forward, the rule's
# sweep, update) and the gradient all-reduce, and the samples per second,
# against the number of ranks.
# Input: DIR/mpi_scaling.csv from scripts/mpi-scaling.sh.
# Output: DIR/mpi_scaling.png and DIR/mpi_scaling.svg.
#   gnuplot -e "dir='results'" mpi_scaling.gp

here = ARG0; i = strlen(here)
while (i > 0 && here[i:i] ne "/") { i = i - 1 }
here = i > 0 ? here[1:i] : ""
load here."common.gp"

file = dir."/mpi_scaling.csv"
if (!bcn_exists(file)) { exit error "mpi_scaling.gp: ".file." is missing (run scripts/mpi-scaling.sh)" }
devices = system("tail -n +2 '".file."' | cut -d, -f1 | awk '!seen[$0]++' | tr '\\n' ' '")
nd = words(devices)

do for [t in "png svg"] {
    if (t eq "png") { eval bcn_png_h(600); set output dir."/mpi_scaling.png" }
    else { eval bcn_svg_h(600); set output dir."/mpi_scaling.svg" }
    set multiplot layout 1,2 title "Data-parallel training with MPI (left: time per step on rank 0; right: training samples per second)"
    set style data histograms
    set style histogram rowstacked
    set style fill solid 0.8 border -1
    set boxwidth 0.7
    set key top right
    set yrange [0:*]
    set offsets 0, 0, graph 0.2, 0
    set ylabel "milliseconds per step"
    set xlabel "device / ranks"
    set grid ytics
    plot file skip 1 using ($6 * 1000):xtic(sprintf("%s/%d", strcol(1), column(2))) title "own work (forward, sweep, update)" lc rgb "#4477aa", \
         '' skip 1 using ($7 * 1000) title "gradient all-reduce (and waiting)" lc rgb "#ee6677"
    set style data linespoints
    set ylabel "samples per second"
    set xlabel "ranks"
    maxr = system("tail -n +2 '".file."' | cut -d, -f2 | sort -n | tail -1") + 0
    set offsets 0, 0, 0, 0
    set xrange [0.5:maxr + 0.5]
    set xtics 1
    set yrange [0:*]
    plot for [k = 1:nd] file skip 1 using (strcol(1) eq word(devices, k) ? column(2) : NaN):8 \
         with linespoints lw 2 pt 7 title word(devices, k)
    unset multiplot
    unset output
}
