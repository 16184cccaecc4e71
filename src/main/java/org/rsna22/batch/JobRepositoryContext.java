package org.rsna22.batch;

import org.rsna22.ops.JobProgressService;
import org.springframework.boot.autoconfigure.ImportAutoConfiguration;
import org.springframework.boot.autoconfigure.context.PropertyPlaceholderAutoConfiguration;
import org.springframework.boot.batch.autoconfigure.BatchAutoConfiguration;
import org.springframework.boot.batch.jdbc.autoconfigure.BatchJdbcAutoConfiguration;
import org.springframework.boot.jdbc.autoconfigure.DataSourceAutoConfiguration;
import org.springframework.boot.jdbc.autoconfigure.DataSourceTransactionManagerAutoConfiguration;
import org.springframework.context.annotation.Import;

/**
 * The smallest application that reads the job repository (the same H2 or PostgreSQL database as the jobs): what
 * {@code status} needs, without jobs, DJL, web server, security or metrics, so that it answers in about a second.
 * Not annotated as a configuration, so the full application's component scan leaves it alone.
 */
@ImportAutoConfiguration({PropertyPlaceholderAutoConfiguration.class, DataSourceAutoConfiguration.class,
        DataSourceTransactionManagerAutoConfiguration.class, BatchAutoConfiguration.class,
        BatchJdbcAutoConfiguration.class})
@Import({JobProgressService.class, DeadExecutionRecovery.class})
public class JobRepositoryContext {
}
