package org.rsna22.ops;

import java.security.SecureRandom;
import java.util.Base64;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.security.config.Customizer;
import org.springframework.security.config.annotation.web.builders.HttpSecurity;
import org.springframework.security.config.http.SessionCreationPolicy;
import org.springframework.security.core.userdetails.User;
import org.springframework.security.core.userdetails.UserDetailsService;
import org.springframework.security.crypto.factory.PasswordEncoderFactories;
import org.springframework.security.crypto.password.PasswordEncoder;
import org.springframework.security.provisioning.InMemoryUserDetailsManager;
import org.springframework.security.web.SecurityFilterChain;

/**
 * The web server of a running job: health and the progress summary are open; metrics, prometheus and
 * everything else need HTTP basic credentials ({@code rsna22.web.user} / {@code rsna22.web.password}; when
 * no password is configured a random one is generated and printed once). Only read endpoints are exposed.
 */
@Configuration
@ConditionalOnWebApplication
public class WebSecurityConfiguration {

    private static final Logger LOG = LoggerFactory.getLogger(WebSecurityConfiguration.class);

    @Bean
    public SecurityFilterChain actuatorSecurity(HttpSecurity http) throws Exception {
        http.authorizeHttpRequests(a -> a
                        .requestMatchers("/actuator/health", "/actuator/health/**", "/actuator/progress").permitAll()
                        .anyRequest().authenticated())
                .httpBasic(Customizer.withDefaults())
                .csrf(c -> c.disable()) // no endpoint changes state; there is no browser session
                .sessionManagement(s -> s.sessionCreationPolicy(SessionCreationPolicy.STATELESS));
        return http.build();
    }

    @Bean
    public UserDetailsService actuatorUser(@Value("${rsna22.web.user:rsna22}") String user,
                                           @Value("${rsna22.web.password:}") String password) {
        String pw = password;
        if (pw == null || pw.isBlank()) {
            byte[] b = new byte[18];
            new SecureRandom().nextBytes(b);
            pw = Base64.getUrlEncoder().withoutPadding().encodeToString(b);
            LOG.warn("metrics credentials for this run: user '{}' password '{}' (set rsna22.web.password or "
                    + "RSNA22_WEB_PASSWORD to choose one)", user, pw);
        }
        PasswordEncoder encoder = PasswordEncoderFactories.createDelegatingPasswordEncoder();
        return new InMemoryUserDetailsManager(User.withUsername(user).password(encoder.encode(pw)).roles("OPS").build());
    }
}
