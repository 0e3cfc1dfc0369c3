package org.mobilegt.gateway.e2e;

import java.io.IOException;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.extension.ConditionEvaluationResult;
import org.junit.jupiter.api.extension.ExecutionCondition;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Marks a test class that needs root (network namespaces, TUN devices, nft). Without root its
 * tests are skipped, and the skip is announced on stderr and in the test report, never silent.
 */
@Target(ElementType.TYPE)
@Retention(RetentionPolicy.RUNTIME)
@ExtendWith(RequiresRoot.Condition.class)
public @interface RequiresRoot {

	final class Condition implements ExecutionCondition {

		@Override
		public ConditionEvaluationResult evaluateExecutionCondition(ExtensionContext context) {
			if (isRoot()) {
				return ConditionEvaluationResult.enabled("running as root");
			}
			String reason = context.getDisplayName() + " needs root (network namespaces, TUN devices, nft): run mvn verify "
					+ "as root, as CI does";
			System.err.println("[e2e] WARNING: SKIPPED, " + reason);
			return ConditionEvaluationResult.disabled(reason);
		}

		static boolean isRoot() {
			try {
				return Files.readAllLines(Path.of("/proc/self/status")).stream()
						.anyMatch(l -> l.startsWith("Uid:") && l.split("\\s+")[1].equals("0"));
			} catch (IOException e) {
				return false;
			}
		}
	}
}
