/*
 * mpi.c — the library's MPI support: a bcn_reduce_fn over MPI_COMM_WORLD
 * for bcn_net_train_shard. Built into the library with ./configure
 * --with-mpi (BCN_HAVE_MPI); without it the functions say so.
 */
#include "config.h"

#include <stdio.h>

#include "internal.h"

#ifdef BCN_HAVE_MPI
#include <limits.h>
#include <mpi.h>

int bcn_mpi_built(void) { return 1; }

bcn_status bcn_mpi_reduce(void *user, float *data, size_t n, int failed, char *msg,
                          size_t msglen)
{
    (void)user;
    if ((!data && n) || !msg || !msglen)
        return BCN_ERR_INVALID_ARG;
    int inited = 0, rank = 0;
    MPI_Initialized(&inited);
    if (!inited) {
        snprintf(msg, msglen, "MPI is not initialised (MPI_Init)");
        return BCN_ERR_STATE;
    }
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    /* MAX of INT_MAX - rank over the failing ranks (0 elsewhere): every
     * rank learns whether, and which lowest rank, failed. */
    int mine = failed ? INT_MAX - rank : 0, worst = 0;
    int rc = MPI_Allreduce(&mine, &worst, 1, MPI_INT, MPI_MAX, MPI_COMM_WORLD);
    if (rc != MPI_SUCCESS) {
        snprintf(msg, msglen, "MPI_Allreduce failed (error %d)", rc);
        return BCN_ERR_STATE;
    }
    int first = worst ? INT_MAX - worst + 1 : 0;
    if (first > 0) {
        snprintf(msg, msglen, "rank %d failed in this training step", first - 1);
        return BCN_ERR_STATE;
    }
    for (size_t off = 0; off < n;) {
        int count = n - off > (size_t)INT_MAX ? INT_MAX : (int)(n - off);
        rc = MPI_Allreduce(MPI_IN_PLACE, data + off, count, MPI_FLOAT, MPI_SUM, MPI_COMM_WORLD);
        if (rc != MPI_SUCCESS) {
            snprintf(msg, msglen, "MPI_Allreduce of %zu gradients failed (error %d)", n, rc);
            return BCN_ERR_STATE;
        }
        off += (size_t)count;
    }
    return BCN_OK;
}
#else
int bcn_mpi_built(void) { return 0; }

bcn_status bcn_mpi_reduce(void *user, float *data, size_t n, int failed, char *msg,
                          size_t msglen)
{
    (void)user;
    (void)failed;
    if ((!data && n) || !msg || !msglen)
        return BCN_ERR_INVALID_ARG;
    snprintf(msg, msglen, "this libburstccn was built without MPI (./configure --with-mpi)");
    return BCN_ERR_UNSUPPORTED;
}
#endif
