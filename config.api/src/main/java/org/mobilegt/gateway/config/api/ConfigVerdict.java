package org.mobilegt.gateway.config.api;

/**
 * The verdict a configurable component announces on EventAdmin after Configuration Admin hands it
 * a new configuration of its PID.
 * <ul>
 * <li><b>Who posts.</b> The component that owns the PID, once per configuration it receives while
 * active: {@link #TOPIC_APPLIED} when it runs with the new values, {@link #TOPIC_REJECTED} when it
 * refused them (a value out of range, or one the system could not use, such as a busy port). The
 * gateway's ConfigGate also posts {@link #TOPIC_REJECTED} for values the Metatype refuses before
 * they reach the component.</li>
 * <li><b>After a rejection</b> the component keeps running with its previous configuration and
 * writes that one back into Configuration Admin, so the refused value is neither kept nor applied
 * at the next start. The restored configuration gets no verdict of its own: a late APPLIED would
 * be taken for the verdict on the operator's next change.</li>
 * <li><b>Not announced:</b> the first configuration at activation, and a configuration equal to
 * the one the component already runs with.</li>
 * </ul>
 * A listener ({@code vpn:set}, the console, the configuration directory) may therefore take the
 * first verdict carrying its PID after its change as the answer to that change, and on REJECTED
 * show {@link #MESSAGE}; it must not expect a verdict for a change that changes nothing, so it
 * waits with a time limit. Events are posted asynchronously.
 */
public final class ConfigVerdict {

	/** Topic of a configuration a component applied; property {@link #PID}. */
	public static final String TOPIC_APPLIED = "org/mobilegt/gateway/config/APPLIED";
	/** Topic of a configuration a component refused; properties {@link #PID}, {@link #KEY}, {@link #MESSAGE}. */
	public static final String TOPIC_REJECTED = "org/mobilegt/gateway/config/REJECTED";
	/** Both verdict topics, for an event handler's {@code event.topics}. */
	public static final String TOPIC_ANY = "org/mobilegt/gateway/config/*";

	/** The configuration PID the verdict is about (String). */
	public static final String PID = "pid";
	/** The refused key, or "" when the refusal is not about one key (String, REJECTED only). */
	public static final String KEY = "key";
	/** Why the configuration was refused, for the operator (String, REJECTED only). */
	public static final String MESSAGE = "message";

	private ConfigVerdict() {
	}
}
