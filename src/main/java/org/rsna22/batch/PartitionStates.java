package org.rsna22.batch;

import java.sql.Timestamp;
import java.time.LocalDateTime;
import java.util.Collection;
import java.util.HashMap;
import java.util.Map;
import javax.sql.DataSource;
import org.springframework.batch.core.BatchStatus;
import org.springframework.batch.core.repository.JobRepository;
import org.springframework.batch.core.step.StepExecution;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * The status and last update of a job execution's partitions: what the manager of a remote step polls. On a JDBC
 * repository it is one query for all of them ({@link #jdbc}): Spring Batch's {@code JobRepository.getStepExecution}
 * reads the job instance, its parameters, the job execution and the step's context for each partition, so that
 * polling a thousand partitions ten times a second was tens of thousands of queries a second, which slowed the
 * workers sharing the database.
 */
@FunctionalInterface
public interface PartitionStates {

    /** One partition's row. */
    record State(BatchStatus status, LocalDateTime lastUpdated) {
    }

    /** The states of the partitions {@code ids} of a job execution, by id (more may be there). */
    Map<Long, State> read(long jobExecutionId, Collection<Long> ids);

    /** One query on the repository's tables. */
    static PartitionStates jdbc(DataSource dataSource, String tablePrefix) {
        JdbcTemplate jdbc = new JdbcTemplate(dataSource);
        String query = "SELECT STEP_EXECUTION_ID, STATUS, LAST_UPDATED, START_TIME FROM " + tablePrefix
                + "STEP_EXECUTION WHERE JOB_EXECUTION_ID = ?";
        return (jobExecutionId, ids) -> {
            Map<Long, State> out = new HashMap<>();
            jdbc.query(query, rs -> {
                Timestamp updated = rs.getTimestamp(3);
                Timestamp last = updated != null ? updated : rs.getTimestamp(4);
                out.put(rs.getLong(1), new State(BatchStatus.valueOf(rs.getString(2)),
                        last == null ? null : last.toLocalDateTime()));
            }, jobExecutionId);
            return out;
        };
    }

    /** Through the repository, one partition at a time (a repository without tables, as in tests). */
    static PartitionStates viaRepository(JobRepository repository) {
        return (jobExecutionId, ids) -> {
            Map<Long, State> out = new HashMap<>();
            for (long id : ids) {
                StepExecution p = repository.getStepExecution(id);
                if (p != null) {
                    out.put(id, new State(p.getStatus(), p.getLastUpdated() != null ? p.getLastUpdated()
                            : p.getStartTime()));
                }
            }
            return out;
        };
    }
}
