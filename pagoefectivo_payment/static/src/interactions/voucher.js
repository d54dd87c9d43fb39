import { browser } from "@web/core/browser/browser";
import { registry } from "@web/core/registry";
import { Interaction } from "@web/public/interaction";

/**
 * The PagoEfectivo voucher: copies the CIP and counts down to its expiry.
 * When the expiry passes, the code gives way to the "expired" note rendered
 * by the server, so that nobody tries to pay a dead code.
 */
export class PagoEfectivoVoucher extends Interaction {
    static selector = ".o_pagoefectivo_voucher_pending";
    dynamicContent = {
        ".o_pagoefectivo_copy": { "t-on-click": this.onCopy },
        ".o_pagoefectivo_copy_label": { "t-att-class": () => ({ "d-none": this.copied }) },
        ".o_pagoefectivo_copied_label": { "t-att-class": () => ({ "d-none": !this.copied }) },
        ".o_pagoefectivo_countdown": { "t-out": () => this.countdown },
        ".o_pagoefectivo_payable": { "t-att-class": () => ({ "d-none": this.expired }) },
        ".o_pagoefectivo_expired_note": { "t-att-class": () => ({ "d-none": !this.expired }) },
    };

    setup() {
        this.copied = false;
        const expiry = this.el.dataset.expiry;
        this.expiry = expiry ? new Date(expiry) : null;
        this.tick();
    }

    start() {
        this.scheduleTick();
    }

    scheduleTick() {
        if (this.expiry && !this.expired) {
            this.waitForTimeout(() => {
                this.tick();
                this.scheduleTick();
            }, 1000);
        }
    }

    tick() {
        const seconds = this.expiry ? Math.floor((this.expiry - Date.now()) / 1000) : null;
        this.expired = seconds !== null && seconds <= 0;
        this.countdown = seconds === null ? "" : formatDuration(Math.max(seconds, 0));
    }

    async onCopy(ev) {
        const cip = ev.currentTarget.dataset.cip;
        try {
            await this.waitFor(browser.navigator.clipboard.writeText(cip));
        } catch {
            // No clipboard (an insecure origin, a refused permission):
            // select the code so that the customer copies it by hand.
            const cipEl = this.el.querySelector(".o_pagoefectivo_cip");
            this.el.ownerDocument.getSelection().selectAllChildren(cipEl);
            return;
        }
        this.copied = true;
        this.waitForTimeout(() => {
            this.copied = false;
        }, 3000);
    }
}

/** `2 d 04:05:09`, or `04:05:09` under a day. */
export function formatDuration(totalSeconds) {
    const days = Math.floor(totalSeconds / 86400);
    const clock = [
        Math.floor((totalSeconds % 86400) / 3600),
        Math.floor((totalSeconds % 3600) / 60),
        totalSeconds % 60,
    ]
        .map((part) => String(part).padStart(2, "0"))
        .join(":");
    return days ? `${days} d ${clock}` : clock;
}

registry.category("public.interactions").add("pagoefectivo_payment.voucher", PagoEfectivoVoucher);
