/*
 * dist.c — `burstccn train` across processes (MPI): who we are, the
 * node-local rank that picks each rank's device, this rank's share of a
 * global minibatch, and the few collectives the training loop needs
 * besides the gradient reduction (which the library does:
 * bcn_mpi_reduce). Without MPI support, or when not launched by an MPI
 * launcher, everything is a single process.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "cli.h"

#ifdef BCN_HAVE_MPI
#include <limits.h>
#include <mpi.h>
#endif

/* 1 when an MPI launcher (mpirun, mpiexec, srun with PMI/PMIx) started us. */
static int launched_by_mpi(void)
{
    static const char *const vars[] = {"OMPI_COMM_WORLD_SIZE", "PMI_SIZE", "PMIX_RANK",
                                       "PMI_RANK", "MPI_LOCALNRANKS"};
    for (size_t i = 0; i < sizeof vars / sizeof vars[0]; i++)
        if (getenv(vars[i]))
            return 1;
    return 0;
}

int cli_dist_init(cli_dist *d, int *argc, char ***argv)
{
    memset(d, 0, sizeof *d);
    d->size = 1;
    if (!launched_by_mpi())
        return 0;
#ifdef BCN_HAVE_MPI
    int provided = 0;
    if (MPI_Init_thread(argc, argv, MPI_THREAD_FUNNELED, &provided) != MPI_SUCCESS) {
        fprintf(stderr, "burstccn: MPI_Init failed\n");
        return -1;
    }
    d->active = 1;
    MPI_Comm_rank(MPI_COMM_WORLD, &d->rank);
    MPI_Comm_size(MPI_COMM_WORLD, &d->size);
    /* Errors come back as codes: a failed collective must not abort
     * silently, it is reported like every other error. */
    MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
    MPI_Comm node;
    if (MPI_Comm_split_type(MPI_COMM_WORLD, MPI_COMM_TYPE_SHARED, d->rank, MPI_INFO_NULL,
                            &node) == MPI_SUCCESS) {
        MPI_Comm_rank(node, &d->local_rank);
        MPI_Comm_free(&node);
    }
    return 0;
#else
    (void)argc;
    (void)argv;
    fprintf(stderr,
            "burstccn: started by an MPI launcher, but this build has no MPI support "
            "(./configure --with-mpi): every process would train alone\n");
    return -1;
#endif
}

void cli_dist_finish(cli_dist *d)
{
#ifdef BCN_HAVE_MPI
    if (d->active)
        MPI_Finalize();
#endif
    d->active = 0;
}

int cli_dist_first_failed(const cli_dist *d, int failed)
{
#ifdef BCN_HAVE_MPI
    if (d->active) {
        int mine = failed ? INT_MAX - d->rank : 0, worst = 0;
        if (MPI_Allreduce(&mine, &worst, 1, MPI_INT, MPI_MAX, MPI_COMM_WORLD) != MPI_SUCCESS)
            return d->rank;
        return worst ? INT_MAX - worst : -1;
    }
#endif
    (void)d;
    return failed ? 0 : -1;
}

int cli_dist_sum(const cli_dist *d, double *v, int n)
{
#ifdef BCN_HAVE_MPI
    if (d->active)
        return MPI_Allreduce(MPI_IN_PLACE, v, n, MPI_DOUBLE, MPI_SUM, MPI_COMM_WORLD) ==
                       MPI_SUCCESS
                   ? 0
                   : -1;
#endif
    (void)d;
    (void)v;
    (void)n;
    return 0;
}

long cli_dist_min_step(const cli_dist *d, long step)
{
#ifdef BCN_HAVE_MPI
    if (d->active) {
        long mine = step < 0 ? LONG_MAX : step, least = LONG_MAX;
        if (MPI_Allreduce(&mine, &least, 1, MPI_LONG, MPI_MIN, MPI_COMM_WORLD) != MPI_SUCCESS)
            return step;
        return least == LONG_MAX ? -1 : least;
    }
#endif
    (void)d;
    return step;
}

int cli_dist_differs(const cli_dist *d, uint64_t hash)
{
#ifdef BCN_HAVE_MPI
    if (d->active) {
        unsigned long long mine = hash, root = hash;
        MPI_Bcast(&root, 1, MPI_UNSIGNED_LONG_LONG, 0, MPI_COMM_WORLD);
        return cli_dist_first_failed(d, mine != root);
    }
#endif
    (void)d;
    (void)hash;
    return -1;
}

void cli_dist_share(const cli_dist *d, int global, int *offset, int *count)
{
    int base = global / d->size, extra = global % d->size;
    *count = base + (d->rank < extra);
    *offset = d->rank * base + (d->rank < extra ? d->rank : extra);
}

uint64_t cli_dist_hash(const void *data, size_t n, uint64_t h)
{
    /* FNV-1a, 64 bits. */
    const unsigned char *p = data;
    if (!h)
        h = 1469598103934665603ULL;
    for (size_t i = 0; i < n; i++) {
        h ^= p[i];
        h *= 1099511628211ULL;
    }
    return h;
}
