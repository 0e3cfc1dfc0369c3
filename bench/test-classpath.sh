# Sourced by the bench scripts that run test-scope mains of tun.driver (tun-pps.sh, fw-cost.sh).
# test_classpath WORK compiles the test classes and prints their class path; call it outside any
# private namespace (Maven may need the registry). MAVEN_REPO=dir passes -Dmaven.repo.local.
test_classpath() {
	local work=$1 root
	root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
	if ! (cd "$root" && mvn -B test-compile org.apache.maven.plugins:maven-dependency-plugin:3.8.1:build-classpath \
		-Dmdep.outputFile="$work/cp" -Dmdep.includeScope=test ${MAVEN_REPO:+-Dmaven.repo.local=$MAVEN_REPO} -pl tun.driver -am) \
		>"$work/build.log" 2>&1; then
		cat "$work/build.log" >&2
		return 1
	fi
	echo "$root/tun.driver/target/test-classes:$root/tun.driver/target/classes:$root/common/target/classes:$(cat "$work/cp")"
}
