package org.rsna22;

import org.springframework.boot.autoconfigure.AutoConfigurationImportFilter;
import org.springframework.boot.autoconfigure.AutoConfigurationMetadata;
import org.springframework.context.EnvironmentAware;
import org.springframework.core.env.Environment;

/**
 * Spring Integration's and RabbitMQ's auto-configuration only for a manager ({@code rsna22.remote=true}) or a
 * worker ({@code worker}): a local job or {@code status} never talks to a broker, and skipping them saves about a
 * second of every start.
 */
public class RemoteOnlyAutoConfigurations implements AutoConfigurationImportFilter, EnvironmentAware {

    private static final String[] REMOTE_ONLY = {"org.springframework.boot.integration.", "org.springframework.boot.amqp."};

    private Environment environment;

    @Override
    public void setEnvironment(Environment environment) {
        this.environment = environment;
    }

    @Override
    public boolean[] match(String[] classes, AutoConfigurationMetadata metadata) {
        boolean remote = environment == null || environment.getProperty("rsna22.remote", Boolean.class, false)
                || environment.getProperty("rsna22.worker.enabled", Boolean.class, false);
        boolean[] keep = new boolean[classes.length];
        for (int i = 0; i < classes.length; i++) {
            keep[i] = remote || classes[i] == null || !remoteOnly(classes[i]);
        }
        return keep;
    }

    private static boolean remoteOnly(String autoConfiguration) {
        for (String p : REMOTE_ONLY) {
            if (autoConfiguration.startsWith(p)) {
                return true;
            }
        }
        return false;
    }
}
